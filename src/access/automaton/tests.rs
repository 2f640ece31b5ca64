use super::question::Question;
use super::*;
use crate::access::pattern::{Language, Variables, compile};
use crate::model::Dialect;
use crate::testing::Rng;

fn set(globs: &mut Globs, patterns: &[&str], negated: bool) -> SetId {
    let mut variables = Variables::default();
    let ids = patterns
        .iter()
        .map(|p| globs.intern(compile(p, Language::Resource(Dialect::Ram), &mut variables)))
        .collect();
    globs.intern_set(GlobSet {
        globs: ids,
        negated,
    })
}

/// Whether every string of `specific` is matched by `general`.
fn covers(general: &[&str], specific: &[&str]) -> bool {
    let mut globs = Globs::new();
    let universe = set(&mut globs, specific, false);
    let family = set(&mut globs, general, false);
    let classes = globs.classes(universe, &[family]).unwrap();
    classes.iter().all(|class| class.members == [0])
}

/// The scan's answers are the product's, on every pair of short patterns over a small
/// alphabet (literals and `*`; the others go to the product anyway).
#[test]
fn covering_by_scan_agrees_with_the_product() {
    let mut patterns = vec![String::new()];
    for _ in 0..4 {
        let longer: Vec<String> = patterns
            .iter()
            .flat_map(|p| ["a", "b", "*"].map(|c| format!("{p}{c}")))
            .collect();
        patterns.extend(longer);
    }
    let mut globs = Globs::new();
    let mut variables = Variables::default();
    let ids: Vec<GlobId> = patterns
        .iter()
        .map(|p| globs.intern(compile(p, Language::Resource(Dialect::Ram), &mut variables)))
        .collect();
    let mut scanned = 0;
    for &general in &ids {
        for &specific in &ids {
            let Some(by_scan) = globs.covers_by_scan(general, specific) else {
                continue;
            };
            scanned += 1;
            assert_eq!(
                by_scan,
                globs.product(general, specific, true, false),
                "{:?} covers {:?}",
                globs.items(general),
                globs.items(specific)
            );
        }
    }
    assert!(scanned > 10_000, "{scanned}");
}

#[test]
fn inclusion_is_exact() {
    assert!(covers(&["a*"], &["ab", "a?c", "a*d"]));
    assert!(!covers(&["a*"], &["ab", "b"]));
    // A union covers what no single member does.
    assert!(!covers(&["a*", "b*", ""], &["*"]));
    assert!(covers(&["a*", "?*", ""], &["*"]));
    assert!(covers(&["*?"], &["?*"]) && covers(&["?*"], &["*?"]));
    assert!(covers(&["*a*"], &["*a*a*"]));
    assert!(!covers(&["*a*a*"], &["*a*"]));
    assert!(covers(&["a*b*c*d*"], &["a*b*c*d*e"]));
    assert!(!covers(&["a*b*c*d*"], &["*a*b*"]));
    assert!(covers(&["*a*b*"], &["a*b*c*d*"]));
}

#[test]
fn pairs_agree_with_classes() {
    let patterns = [
        "", "*", "a", "a*", "*a", "a?", "?*", "*a*b*", "a*b*c*d*", "ab*", "b*", "*ba",
    ];
    for general in patterns {
        for specific in patterns {
            let mut globs = Globs::new();
            let g = set(&mut globs, &[general], false);
            let s = set(&mut globs, &[specific], false);
            let classes = globs.classes(s, &[g]).unwrap();
            let (gi, si) = (globs.set(g).globs[0], globs.set(s).globs[0]);
            let covered = classes.iter().all(|c| c.members == [0]);
            let meeting = classes.iter().any(|c| c.members == [0]);
            assert_eq!(globs.covers(gi, si), covered, "{general} covers {specific}");
            assert_eq!(globs.meet(gi, si), meeting, "{general} meets {specific}");
        }
    }
}

/// A `Not` element covers an entry exactly when the classes say so.
#[test]
fn negated_covering_agrees_with_classes() {
    let patterns = [
        "", "*", "a", "a*", "*a", "a?", "?*", "*a*b*", "ab*", "b*", "*ba", "b",
    ];
    let mut covering = 0;
    for (i, listed) in patterns.iter().enumerate() {
        let second = patterns[(i * 5 + 3) % patterns.len()];
        for general in [vec![*listed], vec![*listed, second]] {
            for specific in patterns {
                let mut globs = Globs::new();
                let g = set(&mut globs, &general, true);
                let s = set(&mut globs, &[specific], false);
                let classes = globs.classes(s, &[g]).unwrap();
                let covered = classes.iter().all(|c| c.members == [0]);
                assert_eq!(
                    globs.negated_set_covers(g, s),
                    covered,
                    "not {general:?} covers {specific}"
                );
                covering += usize::from(covered);
            }
        }
    }
    assert!(covering > 20, "{covering}");
}

#[test]
fn witnesses_are_in_the_difference() {
    let mut globs = Globs::new();
    let universe = set(&mut globs, &["s3:*"], false);
    let old = set(&mut globs, &["s3:Get*", "s3:List*"], false);
    let classes = globs.classes(universe, &[old]).unwrap();
    let outside: Vec<&Class> = classes.iter().filter(|c| c.members.is_empty()).collect();
    assert_eq!(outside.len(), 1);
    let witness = &outside[0].witness;
    assert!(
        witness.starts_with("s3:") && !witness.starts_with("s3:Get"),
        "{witness}"
    );
}

#[test]
fn negated_sets() {
    let mut globs = Globs::new();
    let everything_but_ram = set(&mut globs, &["ram:*"], true);
    let ram_read = set(&mut globs, &["ram:Get*"], false);
    let classes = globs.classes(everything_but_ram, &[ram_read]).unwrap();
    assert!(classes.iter().all(|c| c.members.is_empty()));
    let star = set(&mut globs, &["*"], false);
    let classes = globs
        .classes(star, &[everything_but_ram, ram_read])
        .unwrap();
    let mut members: Vec<Vec<u32>> = classes.into_iter().map(|c| c.members).collect();
    members.sort();
    assert_eq!(members, [vec![], vec![0], vec![1]]);
}

/// AWS on even rounds and RAM on odd ones, so that random tests cover both dialects.
fn dialect_of_round(round: usize) -> Dialect {
    if round.is_multiple_of(2) {
        Dialect::Aws
    } else {
        Dialect::Ram
    }
}

/// The pair product reads only the symbols that can lead somewhere new, and answers as
/// reading every symbol does, for `meet` and `covers`, on random pairs of literals, `?`,
/// `*`, segment `*`s (AWS) and variables.
#[test]
fn pair_products_skipping_alike_symbols_answer_alike() {
    let pieces = ["a", "b", ":", "/", "*", "?", "${aws:username}", "ab:", "x"];
    let mut rng = Rng(0xba1d_9a1c);
    let (mut met, mut covered) = (0, 0);
    for round in 0..20_000 {
        let dialect = dialect_of_round(round);
        let mut globs = Globs::new();
        let mut variables = Variables::default();
        let mut glob = |rng: &mut Rng| {
            let text: String = (0..rng.below(7)).map(|_| rng.pick(&pieces)).collect();
            globs.intern(compile(&text, Language::Resource(dialect), &mut variables))
        };
        let (first, second) = (glob(&mut rng), glob(&mut rng));
        for covers in [false, true] {
            let skipping = globs.product(first, second, covers, true);
            let reading_all = globs.product(first, second, covers, false);
            assert_eq!(
                skipping,
                reading_all,
                "{:?} {} {:?}",
                globs.items(first),
                if covers { "covers" } else { "meets" },
                globs.items(second)
            );
            if covers {
                covered += usize::from(skipping);
            } else {
                met += usize::from(skipping);
            }
        }
    }
    assert!(met > 1_500 && covered > 500, "{met} {covered}");
}

/// The walk reads only the symbols that can lead somewhere new; its classes, witnesses
/// and bounds are those of reading the whole alphabet from every state, on random
/// questions over literals, `?`, `*`, segment `*`s (AWS), variables and `Not` sets.
#[test]
fn skipping_alike_symbols_changes_no_class_nor_witness() {
    let pieces = [
        "a",
        "b",
        "ab",
        ":",
        "/",
        "*",
        "?",
        "x",
        "${aws:username}",
        "${acs:CurrentTime}",
        "arn:aws:s3:::",
        "acs:oss:*:*:",
    ];
    let mut rng = Rng(0x5eed_a11c);
    let pattern =
        |rng: &mut Rng| -> String { (0..1 + rng.below(6)).map(|_| rng.pick(&pieces)).collect() };
    let (mut questions, mut too_complex) = (0, 0);
    for round in 0..3_000 {
        let dialect = dialect_of_round(round);
        let mut globs = Globs::new();
        if round % 7 == 0 {
            globs.set_limits(Limits {
                states: 40,
                work: 600,
            });
        }
        let mut variables = Variables::default();
        let mut set_of = |globs: &mut Globs, rng: &mut Rng| {
            let globs_ids = (0..1 + rng.below(3))
                .map(|_| {
                    let text = pattern(rng);
                    globs.intern(compile(&text, Language::Resource(dialect), &mut variables))
                })
                .collect();
            globs.intern_set(GlobSet {
                globs: globs_ids,
                negated: rng.below(5) == 0,
            })
        };
        let universe = set_of(&mut globs, &mut rng);
        let family: Vec<SetId> = (0..1 + rng.below(4))
            .map(|_| set_of(&mut globs, &mut rng))
            .collect();
        let question = Question::new(&mut globs, universe, &family);
        let skipping = question.walk(&mut globs, true);
        let reading_all = question.walk(&mut globs, false);
        let describe = |answer: &Result<Vec<Class>, TooComplex>| match answer {
            Ok(classes) => classes
                .iter()
                .map(|c| format!("{:?} {:?}", c.members, c.witness))
                .collect::<Vec<_>>()
                .join("; "),
            Err(_) => "too complex".to_string(),
        };
        assert_eq!(
            describe(&skipping),
            describe(&reading_all),
            "round {round}: universe {:?}, family {:?}",
            globs.set(universe),
            family
                .iter()
                .map(|&f| globs.set(f).clone())
                .collect::<Vec<_>>()
        );
        questions += 1;
        too_complex += usize::from(skipping.is_err());
    }
    assert!(questions == 3_000 && too_complex > 20, "{too_complex}");
}

/// Long sets answer `set_matches`, `set_covers` and `sets_meet` through their index as
/// they do pattern by pattern: random long sets of both dialects (segment `*`s included),
/// with `?`, `*` runs, literals sharing prefixes, policy variables and text not in ASCII,
/// against units and strings built from the same pieces.
#[test]
fn long_sets_answer_through_their_index_as_pattern_by_pattern() {
    const PIECES: [&str; 14] = [
        "acs:oss:",
        "arn:aws:s3:::",
        "*",
        "?",
        ":",
        "b1",
        "b12",
        "/",
        "x",
        "logs",
        "é",
        "${ram:UserName}",
        "**",
        "-",
    ];
    let mut rng = Rng(0x5e7_1de8);
    let (mut matched, mut covered, mut met) = (0, 0, 0);
    for round in 0..120 {
        let dialect = dialect_of_round(round);
        let mut variables = Variables::default();
        let mut globs = Globs::new();
        let word = |rng: &mut Rng, wild: bool| -> String {
            (0..1 + rng.below(5))
                .map(|_| rng.pick(&PIECES))
                .filter(|piece| wild || !piece.contains(['*', '?', '$']))
                .collect()
        };
        let compile_set = |globs: &mut Globs, variables: &mut Variables, words: &[String]| {
            let ids = words
                .iter()
                .map(|w| globs.intern(compile(w, Language::Resource(dialect), variables)))
                .collect();
            globs.intern_set(GlobSet {
                globs: ids,
                negated: false,
            })
        };
        // Distinct patterns: texts like `*` and `**` compile to one.
        let size = crate::matching::run_index::LONG_LIST + rng.below(60);
        let mut long = std::collections::BTreeSet::new();
        while long.len() < size {
            let wild = rng.below(3) > 0;
            let text = word(&mut rng, wild);
            long.insert(globs.intern(compile(&text, Language::Resource(dialect), &mut variables)));
        }
        let long = globs.intern_set(GlobSet {
            globs: long.into_iter().collect(),
            negated: round % 7 == 0,
        });
        assert!(globs.set_indexes[long as usize].is_some());
        for _ in 0..30 {
            let text = word(&mut rng, false);
            let wild = rng.below(2) == 0;
            let unit_words = [word(&mut rng, wild)];
            let unit = compile_set(&mut globs, &mut variables, &unit_words);
            let other: Vec<String> = (0..1 + rng.below(40))
                .map(|_| word(&mut rng, true))
                .collect();
            let other = compile_set(&mut globs, &mut variables, &other);
            let answers = |globs: &mut Globs| {
                (
                    globs.set_matches(long, &text),
                    globs.set_covers(long, unit),
                    globs.sets_meet(unit, long),
                    globs.sets_meet(long, other),
                )
            };
            globs.use_set_indexes(true);
            let indexed = answers(&mut globs);
            globs.use_set_indexes(false);
            let scanned = answers(&mut globs);
            assert_eq!(indexed, scanned, "{text} / {unit_words:?} ({dialect:?})");
            matched += usize::from(indexed.0);
            covered += usize::from(indexed.1);
            met += usize::from(indexed.2);
        }
    }
    assert!(
        matched > 100 && covered > 100 && met > 300,
        "{matched} {covered} {met}"
    );
}
