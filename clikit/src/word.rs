//! The word serde writes for a unit enum variant, without serialising:
//! a serializer that answers only `serialize_unit_variant`, with the name
//! the derive passes (its `rename_all` applied).

use serde::Serialize;
use serde::ser::{self, Impossible};
use std::fmt;

/// The word serde writes for a unit enum variant (its `rename_all`), so a
/// report's text spells a value as its JSON does: one spelling, stated
/// once. Costs no allocation, so tables of many rows can use it per row.
///
/// # Panics
/// When `value` is not a unit enum variant: a programming error.
pub fn word<T: Serialize>(value: &T) -> &'static str {
    match value.serialize(Variant) {
        Ok(w) => w,
        Err(NotAWord) => unreachable!("clikit::word takes a unit enum variant"),
    }
}

struct Variant;

#[derive(Debug)]
struct NotAWord;

impl fmt::Display for NotAWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a unit enum variant")
    }
}

impl std::error::Error for NotAWord {}

impl ser::Error for NotAWord {
    fn custom<T: fmt::Display>(_: T) -> Self {
        NotAWord
    }
}

/// Every method but the unit variant's refuses: `name(argument types) ->
/// what it would return`.
macro_rules! refuse {
    ($($name:ident$(<$t:ident>)?($($arg:ty),*) -> $ret:ty;)*) => {$(
        fn $name$(<$t: ?Sized + Serialize>)?(self, $(_: $arg),*) -> Result<$ret, NotAWord> {
            Err(NotAWord)
        }
    )*};
}

type No = Impossible<&'static str, NotAWord>;
type Word = &'static str;

impl ser::Serializer for Variant {
    type Ok = Word;
    type Error = NotAWord;
    type SerializeSeq = No;
    type SerializeTuple = No;
    type SerializeTupleStruct = No;
    type SerializeTupleVariant = No;
    type SerializeMap = No;
    type SerializeStruct = No;
    type SerializeStructVariant = No;

    fn serialize_unit_variant(self, _: Word, _: u32, variant: Word) -> Result<Word, NotAWord> {
        Ok(variant)
    }

    refuse! {
        serialize_bool(bool) -> Word;
        serialize_i8(i8) -> Word;
        serialize_i16(i16) -> Word;
        serialize_i32(i32) -> Word;
        serialize_i64(i64) -> Word;
        serialize_u8(u8) -> Word;
        serialize_u16(u16) -> Word;
        serialize_u32(u32) -> Word;
        serialize_u64(u64) -> Word;
        serialize_f32(f32) -> Word;
        serialize_f64(f64) -> Word;
        serialize_char(char) -> Word;
        serialize_str(&str) -> Word;
        serialize_bytes(&[u8]) -> Word;
        serialize_none() -> Word;
        serialize_unit() -> Word;
        serialize_unit_struct(Word) -> Word;
        serialize_some<T>(&T) -> Word;
        serialize_newtype_struct<T>(Word, &T) -> Word;
        serialize_newtype_variant<T>(Word, u32, Word, &T) -> Word;
        serialize_seq(Option<usize>) -> No;
        serialize_tuple(usize) -> No;
        serialize_tuple_struct(Word, usize) -> No;
        serialize_tuple_variant(Word, u32, Word, usize) -> No;
        serialize_map(Option<usize>) -> No;
        serialize_struct(Word, usize) -> No;
        serialize_struct_variant(Word, u32, Word, usize) -> No;
    }
}
