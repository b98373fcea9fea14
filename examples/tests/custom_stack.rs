//! The custom stack (config + transport + auth, no facade) against the sandbox.

#[tokio::test]
async fn custom_stack_pages_through_every_claim() {
    let mut out = Vec::new();
    let fetched = bluebutton_examples::custom_stack::run_sandbox(&mut out)
        .await
        .unwrap();
    assert_eq!(fetched.claims, 52);
    assert_eq!(fetched.pages, 3, "52 claims at 25 per page");
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains(&format!("connected patient {}", fetched.patient)));
}
