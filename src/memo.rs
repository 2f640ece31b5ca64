//! Answers a thread remembers for questions that recur across the files of a run: the
//! same actions and resources, and the same misspellings, turn up in file after file, and
//! a remembered answer costs a hash and a comparison. Bounded, so that memory stays flat:
//! a memory forgets everything at once when it is full, and never keeps a long question.

use std::cell::RefCell;
use std::hash::BuildHasher;
use std::thread::LocalKey;

/// Answers a memory keeps before it forgets them all at once (about 100 bytes each).
pub const CAPACITY: usize = 4096;
/// Longer questions are answered every time: they seldom recur, and keeping copies of them
/// would let memory grow with what the files hold.
pub const LONGEST_QUESTION: usize = 256;

/// One thread's answers, in a `thread_local!` of its user.
pub struct Memory<V> {
    /// (asker, question) hashed → the asker and the question, which confirm a hit, and the
    /// answer.
    answers: foldhash::HashMap<u64, (u64, Box<str>, V)>,
}

impl<V> Default for Memory<V> {
    fn default() -> Self {
        Memory {
            answers: foldhash::HashMap::default(),
        }
    }
}

impl<V> Memory<V> {
    #[cfg(test)]
    pub fn questions(&self) -> impl Iterator<Item = &str> {
        self.answers.values().map(|(_, question, _)| &**question)
    }
}

/// The answer `memory` kept for `question` from `asker` (which keeps apart the answers of
/// different users of one memory), or else `answer()`, kept. `answer` runs with the memory
/// released, so it may recall from memories itself.
pub fn recall<V: Copy + 'static>(
    memory: &'static LocalKey<RefCell<Memory<V>>>,
    asker: u64,
    question: &str,
    answer: impl FnOnce() -> V,
) -> V {
    if question.len() > LONGEST_QUESTION {
        return answer();
    }
    let key = foldhash::fast::FixedState::default().hash_one((asker, question));
    let kept = memory.with_borrow(|memory| {
        memory
            .answers
            .get(&key)
            .filter(|(kept_asker, kept_question, _)| {
                *kept_asker == asker && **kept_question == *question
            })
            .map(|&(_, _, answer)| answer)
    });
    if let Some(answer) = kept {
        return answer;
    }
    let answer = answer();
    memory.with_borrow_mut(|memory| {
        if memory.answers.len() >= CAPACITY {
            memory.answers.clear();
        }
        memory.answers.insert(key, (asker, question.into(), answer));
    });
    answer
}
