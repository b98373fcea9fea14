//! Reading FHIR StructureDefinitions (of any release) into the model that the emitter turns into Rust.
//!
//! Starting from the supported resources, element types are walked transitively; only reachable
//! datatypes are generated. Backbone elements become their own structs, `[x]` elements become choice
//! enums, and `contentReference` elements reuse the referenced backbone struct.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fs;
use std::path::Path;

use serde_json::Value;

/// Datatypes generated even when no supported element names them (primitive-element extensions use `Element`).
const EXTRA_ROOTS: &[&str] = &["Element"];

/// How a primitive FHIR type is represented in Rust.
#[derive(Clone, Debug)]
pub(crate) struct Primitive {
    /// The Rust type (`String`, `bool`, `i64`, `Decimal`, `Date`...).
    pub(crate) rust: &'static str,
    /// The `PrimitiveKind` variant used for validation.
    pub(crate) kind: &'static str,
    /// Whether the JSON may carry a `_name` sibling with the element's id and extensions.
    pub(crate) has_ext: bool,
}

/// The type of one field (or one choice variant).
#[derive(Clone, Debug)]
pub(crate) enum FieldType {
    Primitive(Primitive),
    /// A generated struct, by Rust name.
    Object(String),
    /// Any resource (`Resource` enum).
    Resource,
}

/// One variant of a choice (`value[x]`) element.
#[derive(Clone, Debug)]
pub(crate) struct Variant {
    /// The type suffix of the JSON key (`Boolean` for `valueBoolean`), also the Rust variant name.
    pub(crate) suffix: String,
    pub(crate) ty: FieldType,
}

/// The shape of a field.
#[derive(Clone, Debug)]
pub(crate) enum Shape {
    Single(FieldType),
    Choice {
        enum_name: String,
        variants: Vec<Variant>,
        /// Whether this element defines the enum; `false` when it reuses the identical enum of
        /// another element (FHIR's open type: `Parameters.parameter.value[x]` is
        /// `Extension.value[x]`), which is then generated once.
        owned: bool,
    },
}

/// One element of a struct.
#[derive(Clone, Debug)]
pub(crate) struct Field {
    /// JSON name (for choices: the prefix, e.g. `value`).
    pub(crate) json: String,
    /// Rust field name.
    pub(crate) rust: String,
    pub(crate) doc: String,
    pub(crate) min: usize,
    pub(crate) many: bool,
    pub(crate) shape: Shape,
    /// Whether a single object value is boxed (set by the cycle analysis).
    pub(crate) boxed: bool,
}

/// What a struct is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StructKind {
    Resource,
    Datatype,
    Backbone,
}

/// One generated struct.
#[derive(Clone, Debug)]
pub(crate) struct StructDef {
    pub(crate) name: String,
    /// The FHIR path, e.g. `ExplanationOfBenefit.item`.
    pub(crate) fhir_path: String,
    pub(crate) doc: String,
    pub(crate) kind: StructKind,
    pub(crate) fields: Vec<Field>,
    /// The output module (file stem) the struct goes into.
    pub(crate) module: String,
}

/// Everything that is generated.
#[derive(Debug)]
pub(crate) struct Model {
    pub(crate) structs: Vec<StructDef>,
    /// The resources with typed models, in `Resource` enum order.
    pub(crate) resources: Vec<String>,
}

/// A loaded StructureDefinition: its elements and metadata.
struct Definition {
    kind: String,
    elements: Vec<Value>,
    description: String,
}

fn primitive(code: &str) -> Option<Primitive> {
    let (rust, kind) = match code {
        "boolean" => ("bool", "Boolean"),
        "integer" => ("i64", "Integer"),
        "positiveInt" => ("i64", "PositiveInt"),
        "unsignedInt" => ("i64", "UnsignedInt"),
        "decimal" => ("Decimal", "Decimal"),
        "date" => ("Date", "Date"),
        "dateTime" => ("DateTime", "DateTime"),
        "instant" => ("Instant", "Instant"),
        "time" => ("Time", "Time"),
        "string" | "markdown" | "xhtml" => ("String", "String"),
        "code" => ("String", "Code"),
        "id" => ("String", "Id"),
        "uri" | "url" | "canonical" => ("String", "Uri"),
        "oid" => ("String", "Oid"),
        "uuid" => ("String", "Uuid"),
        "base64Binary" => ("String", "Base64Binary"),
        _ => return None,
    };
    Some(Primitive {
        rust,
        kind,
        has_ext: true,
    })
}

/// Rust keywords that FHIR uses as element names.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "box", "break", "const", "continue", "crate", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "if", "impl", "in", "let", "loop",
    "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self",
    "static", "struct", "super", "trait", "true", "try", "type", "typeof", "unsafe", "unsized",
    "use", "virtual", "where", "while", "yield",
];

/// `birthDate` -> `birth_date`, `type` -> `type_`.
pub(crate) fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// `birthDate` -> `BirthDate`.
pub(crate) fn pascal(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// The Rust struct name of a backbone element path: `ExplanationOfBenefit.item.adjudication` ->
/// `ExplanationOfBenefitItemAdjudication`.
fn backbone_name(path: &str) -> String {
    path.split('.').map(pascal).collect()
}

fn load(dir: &Path) -> Result<HashMap<String, Definition>, String> {
    let mut defs = HashMap::new();
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("StructureDefinition-") && n.ends_with(".json"))
        })
        .collect();
    paths.sort();
    for path in paths {
        let text = fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let sd: Value = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
        if sd["resourceType"] != "StructureDefinition" {
            continue;
        }
        // Only base definitions (constraints such as MoneyQuantity or vitalsigns are profiles).
        if sd["derivation"] == "constraint" {
            continue;
        }
        let Some(ty) = sd["type"].as_str() else {
            continue;
        };
        let Some(elements) = sd["snapshot"]["element"].as_array() else {
            return Err(format!("{} has no snapshot", path.display()));
        };
        defs.insert(
            ty.to_owned(),
            Definition {
                kind: sd["kind"].as_str().unwrap_or_default().to_owned(),
                elements: elements.clone(),
                description: first_line(sd["description"].as_str().unwrap_or(ty)),
            },
        );
    }
    Ok(defs)
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().trim().to_owned()
}

/// Builds the model of `resources` (and everything they reach) from the definitions in `dir`.
pub(crate) fn build(dir: &Path, resources: &[&str]) -> Result<Model, String> {
    let defs = load(dir)?;
    let mut builder = Builder {
        defs: &defs,
        structs: Vec::new(),
        queue: VecDeque::new(),
        seen: BTreeSet::new(),
    };
    for root in resources.iter().chain(EXTRA_ROOTS) {
        builder.want(root);
    }
    while let Some(ty) = builder.queue.pop_front() {
        builder.generate(&ty)?;
    }
    let mut model = Model {
        structs: builder.structs,
        resources: resources.iter().map(|r| (*r).to_owned()).collect(),
    };
    mark_boxes(&mut model);
    share_identical_choices(&mut model);
    // R4 types `Resource.id` as a System.String whose fhir-type says `string`, but the spec's type is `id`.
    for s in model
        .structs
        .iter_mut()
        .filter(|s| s.kind == StructKind::Resource)
    {
        for f in s.fields.iter_mut().filter(|f| f.json == "id") {
            if let Shape::Single(FieldType::Primitive(p)) = &mut f.shape {
                p.kind = "Id";
            }
        }
    }
    Ok(model)
}

/// Makes choice elements of the same name with exactly the same variants use one enum (elements of
/// other names keep their own, so a type's name always matches its element): the one named after
/// `Extension` when it is among them (the open type), else the least nested (shortest) name, e.g.
/// `ExplanationOfBenefitItemServiced` also serves `addItem.serviced[x]`.
fn share_identical_choices(model: &mut Model) {
    let signature = |json: &str, variants: &[Variant]| -> Vec<String> {
        std::iter::once(json.to_owned())
            .chain(variants.iter().map(|v| format!("{}:{:?}", v.suffix, v.ty)))
            .collect()
    };
    let mut groups: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    for f in model.structs.iter().flat_map(|s| &s.fields) {
        if let Shape::Choice {
            enum_name,
            variants,
            ..
        } = &f.shape
        {
            groups
                .entry(signature(&f.json, variants))
                .or_default()
                .push(enum_name.clone());
        }
    }
    let mut canonical: BTreeMap<Vec<String>, String> = BTreeMap::new();
    for (sig, mut names) in groups.into_iter().filter(|(_, names)| names.len() > 1) {
        names.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
        let name = names
            .iter()
            .find(|n| n.starts_with("Extension"))
            .unwrap_or(&names[0])
            .clone();
        canonical.insert(sig, name);
    }
    for f in model.structs.iter_mut().flat_map(|s| s.fields.iter_mut()) {
        if let Shape::Choice {
            enum_name,
            variants,
            owned,
        } = &mut f.shape
            && let Some(name) = canonical.get(&signature(&f.json, variants))
        {
            *owned = name == enum_name;
            *enum_name = name.clone();
        }
    }
}

struct Builder<'a> {
    defs: &'a HashMap<String, Definition>,
    structs: Vec<StructDef>,
    queue: VecDeque<String>,
    seen: BTreeSet<String>,
}

impl Builder<'_> {
    fn want(&mut self, ty: &str) {
        if self.seen.insert(ty.to_owned()) {
            self.queue.push_back(ty.to_owned());
        }
    }

    fn generate(&mut self, ty: &str) -> Result<(), String> {
        let def = self
            .defs
            .get(ty)
            .ok_or_else(|| format!("no StructureDefinition for type {ty}"))?;
        let kind = if def.kind == "resource" {
            StructKind::Resource
        } else {
            StructKind::Datatype
        };
        let module = if kind == StructKind::Resource {
            snake(ty)
        } else {
            "datatypes".to_owned()
        };
        // Group element definitions by parent path.
        let mut children: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
        let mut by_path: HashMap<String, &Value> = HashMap::new();
        for element in &def.elements {
            let Some(path) = element["path"].as_str() else {
                continue;
            };
            by_path.insert(path.to_owned(), element);
            if let Some((parent, _)) = path.rsplit_once('.') {
                children.entry(parent.to_owned()).or_default().push(element);
            }
        }
        let mut stack = vec![(ty.to_owned(), def.description.clone(), kind)];
        while let Some((path, doc, kind)) = stack.pop() {
            let mut fields = Vec::new();
            for element in children.get(&path).map(Vec::as_slice).unwrap_or_default() {
                let field = self.field(element, &children, &by_path, &mut stack)?;
                fields.push(field);
            }
            let name = if kind == StructKind::Backbone {
                backbone_name(&path)
            } else {
                path.clone()
            };
            self.structs.push(StructDef {
                name,
                fhir_path: path,
                doc,
                kind,
                fields,
                module: module.clone(),
            });
        }
        Ok(())
    }

    fn field(
        &mut self,
        element: &Value,
        children: &BTreeMap<String, Vec<&Value>>,
        by_path: &HashMap<String, &Value>,
        stack: &mut Vec<(String, String, StructKind)>,
    ) -> Result<Field, String> {
        let path = element["path"].as_str().unwrap_or_default();
        let name = path.rsplit('.').next().unwrap_or_default();
        let min = usize::try_from(element["min"].as_u64().unwrap_or(0)).unwrap_or(0);
        let many = element["max"]
            .as_str()
            .is_some_and(|m| m != "1" && m != "0");
        let doc = element["short"].as_str().unwrap_or(name).to_owned();
        let shape = if let Some(reference) = element["contentReference"].as_str() {
            let target = reference.trim_start_matches('#');
            if !by_path.contains_key(target) {
                return Err(format!("{path}: unknown contentReference {reference}"));
            }
            Shape::Single(FieldType::Object(backbone_name(target)))
        } else {
            // STU3 repeats a type once per target profile (`Reference` to Patient, to Group...);
            // the JSON shape depends on the type code only.
            let mut types: Vec<&Value> = Vec::new();
            for t in element["type"].as_array().into_iter().flatten() {
                if !types.iter().any(|seen| seen["code"] == t["code"]) {
                    types.push(t);
                }
            }
            if let Some(prefix) = name.strip_suffix("[x]") {
                let owner = path.rsplit_once('.').map(|(p, _)| p).unwrap_or_default();
                let enum_name = backbone_name(owner) + &pascal(prefix);
                let mut variants = Vec::new();
                for t in types {
                    let code = t["code"].as_str().unwrap_or_default();
                    variants.push(Variant {
                        suffix: pascal(code),
                        ty: self.type_of(t, path)?,
                    });
                }
                return Ok(Field {
                    json: prefix.to_owned(),
                    rust: snake(prefix),
                    doc,
                    min,
                    many: false,
                    shape: Shape::Choice {
                        enum_name,
                        variants,
                        owned: true,
                    },
                    boxed: false,
                });
            }
            let [t] = types.as_slice() else {
                return Err(format!("{path}: expected one type, found {}", types.len()));
            };
            let code = t["code"].as_str().unwrap_or_default();
            if (code == "BackboneElement" || code == "Element") && children.contains_key(path) {
                stack.push((path.to_owned(), doc.clone(), StructKind::Backbone));
                Shape::Single(FieldType::Object(backbone_name(path)))
            } else {
                Shape::Single(self.type_of(t, path)?)
            }
        };
        Ok(Field {
            json: name.to_owned(),
            rust: snake(name),
            doc,
            min,
            many,
            shape,
            boxed: false,
        })
    }

    fn type_of(&mut self, t: &Value, path: &str) -> Result<FieldType, String> {
        let code = t["code"].as_str().unwrap_or_default();
        if let Some(system) = code.strip_prefix("http://hl7.org/fhirpath/System.") {
            // Element.id, Extension.url, Resource.id: the real type is in the fhir-type extension.
            let real = t["extension"]
                .as_array()
                .and_then(|exts| {
                    exts.iter().find(|e| {
                        e["url"]
                            == "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"
                    })
                })
                .and_then(|e| e["valueUrl"].as_str())
                .unwrap_or(if system == "String" { "string" } else { "" });
            let mut prim =
                primitive(real).ok_or_else(|| format!("{path}: unsupported type {code}"))?;
            prim.has_ext = false;
            return Ok(FieldType::Primitive(prim));
        }
        if let Some(prim) = primitive(code) {
            return Ok(FieldType::Primitive(prim));
        }
        if code == "Resource" {
            return Ok(FieldType::Resource);
        }
        self.want(code);
        Ok(FieldType::Object(code.to_owned()))
    }
}

/// Boxes every single-valued object field that lies on a cycle of single-valued fields (so the
/// struct has a finite size), e.g. `Identifier.assigner: Reference` and `Reference.identifier: Identifier`.
fn mark_boxes(model: &mut Model) {
    let mut edges: HashMap<String, BTreeSet<String>> = HashMap::new();
    for s in &model.structs {
        let out = edges.entry(s.name.clone()).or_default();
        for f in &s.fields {
            if f.many {
                continue;
            }
            if let Shape::Single(FieldType::Object(target)) = &f.shape {
                out.insert(target.clone());
            }
        }
    }
    let reaches = |from: &str, to: &str| -> bool {
        let mut seen = BTreeSet::new();
        let mut queue = vec![from.to_owned()];
        while let Some(node) = queue.pop() {
            if node == to {
                return true;
            }
            if seen.insert(node.clone())
                && let Some(next) = edges.get(&node)
            {
                queue.extend(next.iter().cloned());
            }
        }
        false
    };
    for s in &mut model.structs {
        for f in &mut s.fields {
            if f.many {
                continue;
            }
            if let Shape::Single(FieldType::Object(target)) = &f.shape
                && reaches(target, &s.name)
            {
                f.boxed = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(snake("birthDate"), "birth_date");
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("use"), "use_");
        assert_eq!(pascal("valueCoding"), "ValueCoding");
        assert_eq!(
            backbone_name("ExplanationOfBenefit.item.adjudication"),
            "ExplanationOfBenefitItemAdjudication"
        );
    }

    #[test]
    fn the_r4_definitions_give_the_expected_model() {
        let release = &crate::codegen::R4;
        let dir = release.default_definitions();
        if !dir.is_dir() {
            println!("skipped: definitions not found at {}", dir.display());
            return;
        }
        let model = build(&dir, release.resources).expect("the R4 definitions build");
        let find = |name: &str| model.structs.iter().find(|s| s.name == name);
        for resource in release.resources {
            assert!(find(resource).is_some(), "{resource} is generated");
        }
        // contentReference reuses the referenced backbone struct.
        let detail = find("ExplanationOfBenefitItemDetail").expect("backbone struct");
        let adjudication = detail
            .fields
            .iter()
            .find(|f| f.json == "adjudication")
            .expect("adjudication");
        assert!(matches!(&adjudication.shape,
            Shape::Single(FieldType::Object(name)) if name == "ExplanationOfBenefitItemAdjudication"));
        // Reference.identifier -> Identifier.assigner -> Reference is a cycle: boxed.
        let reference = find("Reference").expect("Reference");
        assert!(
            reference
                .fields
                .iter()
                .any(|f| f.json == "identifier" && f.boxed)
        );
        // Unreachable resources are not generated.
        assert!(find("Claim").is_none());
    }

    #[test]
    fn the_stu3_definitions_give_the_stu3_shapes() {
        let release = &crate::codegen::STU3;
        let dir = release.default_definitions();
        if !dir.is_dir() {
            println!("skipped: definitions not found at {}", dir.display());
            return;
        }
        let model = build(&dir, release.resources).expect("the STU3 definitions build");
        let find = |name: &str| model.structs.iter().find(|s| s.name == name);
        for resource in release.resources {
            assert!(find(resource).is_some(), "{resource} is generated");
        }
        let field = |owner: &str, json: &str| {
            find(owner)
                .and_then(|s| s.fields.iter().find(|f| f.json == json))
                .cloned()
        };
        // STU3 shapes: one `insurance` object, `item.service`, `totalCost`; no R4 `productOrService`.
        let insurance = field("ExplanationOfBenefit", "insurance").expect("insurance");
        assert!(!insurance.many, "STU3 insurance is one object");
        assert!(field("ExplanationOfBenefitItem", "service").is_some());
        assert!(field("ExplanationOfBenefitItem", "productOrService").is_none());
        assert!(field("ExplanationOfBenefit", "totalCost").is_some());
        // A Reference to several target types is one Reference field.
        let subject = field("Observation", "subject").expect("Observation.subject");
        assert!(matches!(&subject.shape,
            Shape::Single(FieldType::Object(name)) if name == "Reference"));
    }
}
