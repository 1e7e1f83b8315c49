// Text that came from the network, made safe to print: the one conversion every string
// the peer chose (certificate names, HTTP headers, banners) goes through at the boundary.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tlsprobe::core {

// Valid UTF-8 out, one line, no terminal control: well-formed UTF-8 is kept; every byte
// that is not part of a well-formed sequence (overlong forms, surrogates, code points
// above U+10FFFF, truncated sequences, 0xFE 0xFF) becomes "\xHH"; C0 controls (tab and
// newline too: these are single-line fields), DEL and ESC become "\xHH"; C1 controls
// (U+0080..U+009F), the line/paragraph separators and the bidi overrides become "\u{HHHH}".
// For display: the result is not meant to be reversible (a backslash is kept as is).
std::string to_safe_utf8(std::string_view bytes);

// True when to_safe_utf8(text) == text: valid UTF-8 without anything it would escape.
bool is_safe_utf8(std::string_view text);

// True when `text` is well-formed UTF-8 (controls allowed).
bool is_valid_utf8(std::string_view text);

// The longest prefix of `text` of at most `max_bytes` bytes that does not split a UTF-8
// sequence (a sequence that is malformed anyway may be cut).
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

// utf8_prefix plus "..." when something was cut; the result is at most max_bytes + 3 bytes.
std::string truncate_utf8(std::string_view text, std::size_t max_bytes);

// The code point starting at byte `pos` of `text` for a message: "'ü' (U+00FC)" when it is
// well-formed and printable, "U+001B" for a control, "byte 0xFF" when malformed.
std::string describe_character_at(std::string_view text, std::size_t pos);

// Length in bytes of the UTF-8 sequence at `pos` when it is well-formed, 0 when it is not.
std::size_t utf8_sequence_length(std::string_view text, std::size_t pos);

}  // namespace tlsprobe::core
