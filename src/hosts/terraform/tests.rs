use super::*;

fn documents(text: &str) -> Vec<Document<'static>> {
    extract(text).unwrap()
}

#[test]
fn placeholder() {
    assert!(documents("a = 1\n").is_empty());
}
