//! Configuration of a Blue Button 2.0 client: where it connects, who it is, and how it retries.
#![deny(missing_docs)]
