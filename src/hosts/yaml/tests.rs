//! Unit tests of the YAML host: documents found, positions, edits.

use super::*;
