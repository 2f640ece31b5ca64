use super::*;
use crate::parse::{Arena, parse};
use jsonpath_rust::query::js_path_process;

fn spans(hits: &[Resolved]) -> Vec<(crate::source::Span, Option<crate::source::Span>)> {
    let mut spans: Vec<_> = hits
        .iter()
        .map(|hit| (hit.node.span, hit.member.map(|m| m.key_span)))
        .collect();
    spans.sort_by_key(|(node, member)| (node.start, node.end, member.map(|m| m.start)));
    spans.dedup();
    spans
}

/// What jsonpath-rust selects on a `serde_json::Value` copy of the document, found back in
/// the tree: the reference the walk is held to. Queries see a lone statement object as
/// the one item of an array.
fn evaluate_generally<'n>(root: &'n Node<'n>, query: &Query) -> Vec<Resolved<'n>> {
    let mut value = root.to_value();
    if let Some(statement) = value.get_mut(STATEMENT).filter(|s| s.is_object()) {
        let lone = statement.take();
        *statement = serde_json::Value::Array(vec![lone]);
    }
    let Ok(hits) = js_path_process(&query.parsed, &value) else {
        return Vec::new();
    };
    hits.into_iter()
        .filter_map(|hit| root.resolve(&hit.path))
        .collect()
}

/// Every query, walked on the tree, selects exactly what jsonpath-rust selects on the
/// `Value` copy, on every fixture (corpus included).
#[test]
fn walking_agrees_with_jsonpath_rust() {
    let mut queries: Vec<String> = crate::rules::RuleSet::builtin()
        .expect("embedded rules compile")
        .queries
        .iter()
        .map(|(text, _)| text.clone())
        .collect();
    queries.extend(
        [
            "$",
            "$.*",
            "$.*[*]",
            "$.Statement",
            "$.Statement[0]",
            "$.Statement[-1]",
            "$.Statement[5]",
            "$.Statement[-9]",
            "$['Statement'][*]['Condition'].*",
            "$.Statement[*].Condition.*.*",
            "$.Statement[*].*[*]",
            "$.Statement[*]['Action','Action',0]",
            "$.Statement[0,0,*].Effect",
            "$.Version",
            "$..*",
            "$..*..*",
            "$..Action",
            "$.Statement..[0]",
            "$.Statement..['Resource','Effect']",
            "$.Statement[*]..*",
            "$.Statement[?@.Sid]",
            "$.Statement[?!@.Sid].Effect",
            "$.Statement[?@.Effect == 'Deny' || @.Effect != 'Allow']",
            "$.Statement[?@.Effect == \"Allow\" && (@.Action || !@.NotResource)]",
            "$.Statement[?'Allow' == @.Effect]",
            "$.Statement[?@.Action[0] == 'oss:GetObject']",
            "$.Statement[?@.Action[-1] != 'oss:*']",
            "$.Statement[?@.Condition.Bool]",
            "$.Statement[?@..StringEquals]",
            "$.Statement[?@.Effect == null || @.Effect == true]",
            "$.Statement[*].Condition[?@['acs:SecureTransport'] == 'true']",
            "$[?@.Effect]",
            "$.Statement[*].Action[?@ == 'oss:GetObject']",
            // Slices.
            "$.Statement[1:]",
            "$.Statement[:1]",
            "$.Statement[-2:]",
            "$.Statement[::2]",
            "$.Statement[*].Action[1:3]",
            "$.Statement[*].Action[::-1]",
            "$.Statement[*].Action[-1:0:-2]",
            "$..[0:]",
            "$..[0:]..[0:]..[0:]",
            // Functions, ordering and the root inside filters.
            "$.Statement[?length(@.Action) > 1]",
            "$.Statement[?length(@) >= 4]",
            "$.Statement[?length(@.Effect) == 5]",
            "$.Statement[?count(@.*) > 3]",
            "$.Statement[?count(@..*) > 2]",
            "$.Statement[?match(@.Effect, 'Al.*')]",
            "$.Statement[?search(@.Sid, 'dmin')]",
            "$.Statement[*].Action[?search(@, '^oss:')]",
            "$.Statement[*].Action[?match(@, 'oss:Get.*')]",
            "$.Statement[?value(@.Effect) == 'Allow']",
            "$.Statement[?@.Effect == $.Statement[0].Effect]",
            "$[?@ == $.Version]",
            "$.Statement[?$.Version == '1']",
            "$.Statement[*].Action[?@ < 'oss']",
            "$.Statement[*].Action[?@ >= 'ecs:' && @ <= 'ecs:Z']",
            "$..[?@ > 1]",
            "$..[?@ <= 0]",
            "$.Statement[?@.Action == @.NotAction]",
        ]
        .map(String::from),
    );
    let queries: Vec<Query> = queries
        .iter()
        .map(|q| Query::parse(q).unwrap_or_else(|e| panic!("{q}: {e}")))
        .collect();
    let mut compared = 0;
    for (path, text) in crate::testing::fixture_texts() {
        let arena = Arena::new();
        let Ok(parsed) = parse(&text, &arena) else {
            continue;
        };
        let target = QueryTarget::new(&parsed.root);
        for query in &queries {
            let walked = target.select(query).expect("within the bound");
            let general = evaluate_generally(&parsed.root, query);
            assert_eq!(
                spans(&walked),
                spans(&general),
                "{} on {}",
                query.parsed,
                path.display()
            );
        }
        compared += 1;
    }
    assert!(compared > 700, "only {compared} fixtures compared");
}

#[test]
fn a_lone_statement_is_selected_as_one_statement() {
    let text = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*"}}"#;
    let arena = Arena::new();
    let parsed = parse(text, &arena).unwrap();
    let target = QueryTarget::new(&parsed.root);
    for given in [
        "$.Statement[*].Action",
        "$.Statement[0].Action",
        "$.Statement[?@.Effect == 'Allow'].Action",
        "$..Action",
        "$.Statement[:].Action",
    ] {
        let hits = target.select(&Query::parse(given).unwrap()).unwrap();
        assert_eq!(hits.len(), 1, "{given}");
        assert_eq!(hits[0].node.as_str(), Some("s3:*"));
        assert_eq!(hits[0].member.unwrap().key, "Action");
    }
    let length = Query::parse("$[?length(@.Statement) == 1]").unwrap();
    assert_eq!(target.select(&length).unwrap().len(), 0, "no member has it");
    let root_filter = Query::parse("$[?length(@) == 1]").unwrap();
    assert_eq!(target.select(&root_filter).unwrap().len(), 1, "the array");
}

/// A document nested 509 deep, 1 KB of text.
fn deep_document() -> String {
    format!("{{\"Statement\": {}{}}}", "[".repeat(508), "]".repeat(508))
}

/// Descendant steps from nodes under one another walk each subtree once: a chain of them
/// costs what one costs, where jsonpath-rust asked for 15 GB.
#[test]
fn chained_descendant_steps_visit_each_node_once_a_step() {
    let text = deep_document();
    let arena = Arena::new();
    let parsed = parse(&text, &arena).unwrap();
    let target = QueryTarget::new(&parsed.root);
    let every_node = target.select(&Query::parse("$..*").unwrap()).unwrap();
    assert_eq!(every_node.len(), 508);
    for given in ["$..*..*..*..*", "$..[0:]..[0:]..[0:]", "$..[*,*]..*"] {
        let hits = target.select(&Query::parse(given).unwrap()).unwrap();
        assert!(
            hits.len() <= 508 && hits.len() >= 505,
            "{given}: {}",
            hits.len()
        );
    }
}

/// Filters that search a subtree in each node of a deep document cost the depth to the
/// power of their nesting: they stop at the bound, which grows with the document.
#[test]
fn nested_searches_stop_at_the_bound() {
    let text = deep_document();
    let arena = Arena::new();
    let parsed = parse(&text, &arena).unwrap();
    let target = QueryTarget::new(&parsed.root);
    let query = Query::parse("$..[?@..[?@..[?@..*]]]").unwrap();
    let mut hits = vec![];
    let stopped = target.select_into(&query, &mut hits).unwrap_err();
    assert_eq!(stopped.bound, target.bound());
    assert!(stopped.visited > stopped.bound);
    assert!(hits.is_empty());
    assert!(target.bound() < 100_000, "{}", target.bound());
    // The same query on a policy of ordinary shape is well within it.
    let policy = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["oss:GetObject"], "Resource": "*"}]}"#;
    let parsed = parse(policy, &arena).unwrap();
    let target = QueryTarget::new(&parsed.root);
    assert!(target.select(&query).is_ok());
}

#[test]
fn an_object_of_many_keys_is_walked_in_linear_time() {
    let members: Vec<String> = (0..100_000).map(|i| format!("\"k{i}\": {i}")).collect();
    let text = format!(
        "{{\"Statement\": [{{{}, \"k7\": \"last\"}}]}}",
        members.join(", ")
    );
    let arena = Arena::new();
    let parsed = parse(&text, &arena).unwrap();
    let target = QueryTarget::new(&parsed.root);
    let hits = target
        .select(&Query::parse("$.Statement[0].*").unwrap())
        .unwrap();
    assert_eq!(hits.len(), 100_000);
    assert!(hits.iter().any(|hit| hit.node.as_str() == Some("last")));
}

#[test]
fn slices_follow_rfc_9535() {
    let indexes = |length, start, end, step| -> Vec<usize> {
        slice_indexes(length, start, end, step).collect()
    };
    assert_eq!(indexes(7, Some(1), Some(3), None), [1, 2]);
    assert_eq!(indexes(7, Some(5), None, None), [5, 6]);
    assert_eq!(indexes(7, Some(1), Some(5), Some(2)), [1, 3]);
    assert_eq!(indexes(7, Some(5), Some(1), Some(-2)), [5, 3]);
    assert_eq!(indexes(7, None, None, Some(-1)), [6, 5, 4, 3, 2, 1, 0]);
    assert_eq!(indexes(7, Some(-2), None, None), [5, 6]);
    assert_eq!(indexes(7, None, None, Some(0)), Vec::<usize>::new());
    assert_eq!(indexes(0, None, None, Some(-1)), Vec::<usize>::new());
    assert_eq!(
        indexes(3, Some(i64::MIN), Some(i64::MAX), Some(i64::MAX)),
        [0]
    );
    assert_eq!(
        indexes(3, Some(i64::MAX), Some(i64::MIN), Some(i64::MIN)),
        [2]
    );
}

#[test]
fn filters_that_cannot_be_evaluated_are_refused_when_loaded() {
    for (given, expected) in [
        (
            "$[?length(@)]",
            "`length()` gives a value, not true or false",
        ),
        ("$[?count(@.*)]", "`count()` gives a value"),
        (
            "$[?match(@.Sid, '(')]",
            "`(` in `match()` is not a valid regular expression",
        ),
        ("$[?length(@.*) > 1]", "`length()` takes one value"),
        ("$[?search(@..Sid, 'x')]", "`search()` takes one value"),
        (
            "$[?count(@.Sid) > length(@..x)]",
            "`length()` takes one value",
        ),
    ] {
        match Query::parse(given) {
            Ok(_) => panic!("{given} was accepted"),
            Err(message) => assert!(
                message.contains("cannot be evaluated") && message.contains(expected),
                "{given}: {message}"
            ),
        }
    }
    // jsonpath-rust's parser refuses these itself.
    for given in ["$[?match(@.Sid, 'a') == true]", "$[?shout(@.Sid)]"] {
        assert!(Query::parse(given).is_err(), "{given}");
    }
}

/// RFC 9535: `count()` of no nodes is 0 (jsonpath-rust says `Nothing`).
#[test]
fn count_of_nothing_is_zero() {
    let arena = Arena::new();
    let parsed = parse(r#"{"Statement": ["x", {"a": 1}]}"#, &arena).unwrap();
    let target = QueryTarget::new(&parsed.root);
    let query = Query::parse("$.Statement[?count(@.*) == 0]").unwrap();
    let hits = target.select(&query).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].node.as_str(), Some("x"));
}

/// A rule file may hold a query of a megabyte: its errors quote only the start of it.
#[test]
fn errors_about_a_long_query_stay_short() {
    let long = format!("$.a{}", ".b".repeat(100_000));
    for given in [
        format!("{long}[?shout(@.Sid)]"),
        format!("{long}[?length(@)]"),
        format!("$[?{}@.a{}]", "(".repeat(50_000), ")".repeat(50_000)),
    ] {
        let error = Query::parse(&given).err().expect("refused");
        assert!(error.chars().count() < 1_000, "{} characters", error.len());
        assert!(error.contains("….") || error.contains("…)"), "{error}");
    }
}
