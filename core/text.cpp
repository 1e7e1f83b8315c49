#include "core/text.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace tlsprobe::core {
namespace {

struct Decoded {
    std::size_t length = 0;  // 0 = malformed at this position
    char32_t code_point = 0;
};

// RFC 3629 §4: the well-formed byte sequences, nothing else (no overlongs, no surrogates,
// nothing above U+10FFFF).
Decoded decode(std::string_view s, std::size_t pos) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const auto b0 = byte(pos);
    if (b0 < 0x80) return {1, b0};
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    char32_t cp = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        len = 2;
        cp = b0 & 0x1Fu;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        len = 3;
        cp = b0 & 0x0Fu;
        if (b0 == 0xE0) lo = 0xA0;  // overlong
        if (b0 == 0xED) hi = 0x9F;  // surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        len = 4;
        cp = b0 & 0x07u;
        if (b0 == 0xF0) lo = 0x90;  // overlong
        if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
        return {};
    }
    if (pos + len > s.size()) return {};
    for (std::size_t i = 1; i < len; ++i) {
        const auto b = byte(pos + i);
        const auto min = i == 1 ? lo : static_cast<unsigned char>(0x80);
        const auto max = i == 1 ? hi : static_cast<unsigned char>(0xBF);
        if (b < min || b > max) return {};
        cp = (cp << 6) | (b & 0x3Fu);
    }
    return {len, cp};
}

// Code points that change how a terminal or a line of text is displayed.
bool needs_escape(char32_t cp) {
    if (cp < 0x20 || cp == 0x7F) return true;       // C0 (ESC, NUL, tab, newline), DEL
    if (cp >= 0x80 && cp <= 0x9F) return true;      // C1 (CSI 0x9B, ...)
    if (cp == 0x2028 || cp == 0x2029) return true;  // line / paragraph separator
    if (cp >= 0x202A && cp <= 0x202E) return true;  // bidi embeddings and overrides
    if (cp >= 0x2066 && cp <= 0x2069) return true;  // bidi isolates
    return false;
}

}  // namespace

std::size_t utf8_sequence_length(std::string_view text, std::size_t pos) {
    return pos < text.size() ? decode(text, pos).length : 0;
}

std::string to_safe_utf8(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    for (std::size_t i = 0; i < bytes.size();) {
        const auto d = decode(bytes, i);
        if (d.length == 0) {
            out += fmt::format("\\x{:02X}", static_cast<unsigned char>(bytes[i]));
            ++i;
            continue;
        }
        if (needs_escape(d.code_point)) {
            if (d.code_point < 0x80)
                out += fmt::format("\\x{:02X}", static_cast<unsigned>(d.code_point));
            else out += fmt::format("\\u{{{:04X}}}", static_cast<unsigned>(d.code_point));
        } else {
            out.append(bytes.substr(i, d.length));
        }
        i += d.length;
    }
    return out;
}

bool is_valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const auto d = decode(text, i);
        if (d.length == 0) return false;
        i += d.length;
    }
    return true;
}

bool is_safe_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const auto d = decode(text, i);
        if (d.length == 0 || needs_escape(d.code_point)) return false;
        i += d.length;
    }
    return true;
}

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return text;
    std::size_t end = 0;
    while (end < max_bytes) {
        const auto len = std::max<std::size_t>(decode(text, end).length, 1);
        if (end + len > max_bytes) break;
        end += len;
    }
    return text.substr(0, end);
}

std::string truncate_utf8(std::string_view text, std::size_t max_bytes) {
    const auto prefix = utf8_prefix(text, max_bytes);
    std::string out(prefix);
    if (prefix.size() < text.size()) out += "...";
    return out;
}

std::string describe_character_at(std::string_view text, std::size_t pos) {
    if (pos >= text.size()) return "end of text";
    const auto d = decode(text, pos);
    if (d.length == 0) return fmt::format("byte 0x{:02X}", static_cast<unsigned char>(text[pos]));
    const auto code = fmt::format("U+{:04X}", static_cast<unsigned>(d.code_point));
    if (needs_escape(d.code_point)) return code;
    return fmt::format("'{}' ({})", text.substr(pos, d.length), code);
}

}  // namespace tlsprobe::core
