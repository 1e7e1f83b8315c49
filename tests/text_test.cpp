#include <catch2/catch.hpp>
#include <string>

#include "core/bytes.hpp"
#include "core/text.hpp"

using namespace tlsprobe::core;
using namespace std::string_literals;

TEST_CASE("to_safe_utf8 keeps valid UTF-8 and escapes everything else", "[text]") {
    struct Row {
        std::string in, out;
    };
    const Row rows[] = {
        {"", ""},
        {"plain ascii.example", "plain ascii.example"},
        {"b\xC3\xBC"
         "cher",
         "b\xC3\xBC"
         "cher"},                                  // ü, 2 bytes
        {"\xE2\x82\xAC 5", "\xE2\x82\xAC 5"},      // €, 3 bytes
        {"\xF0\x9F\x94\x92", "\xF0\x9F\x94\x92"},  // 🔒, 4 bytes
        {"\xFF\xFE", "\\xFF\\xFE"},                // never in UTF-8
        {"a\xC0\xAF"
         "b",
         "a\\xC0\\xAFb"},                              // overlong '/'
        {"\xE0\x80\xAF", "\\xE0\\x80\\xAF"},           // overlong, 3 bytes
        {"\xF0\x80\x80\xAF", "\\xF0\\x80\\x80\\xAF"},  // overlong, 4 bytes
        {"\xED\xA0\x80", "\\xED\\xA0\\x80"},           // surrogate U+D800
        {"\xF4\x90\x80\x80", "\\xF4\\x90\\x80\\x80"},  // above U+10FFFF
        {"x\xC3", "x\\xC3"},                           // truncated at the end
        {"\xE2\x82x", "\\xE2\\x82x"},                  // truncated in the middle
        {"\x80", "\\x80"},                             // lone continuation
        {"\x1B[2J", "\\x1B[2J"},                       // clear screen
        {"a\0b"s, "a\\x00b"},                          // NUL
        {"a\tb\r\nc", "a\\x09b\\x0D\\x0Ac"},           // single-line fields
        {"\x7F", "\\x7F"},                             // DEL
        {"\xC2\x9B"
         "31m",
         "\\u{009B}31m"},  // C1 CSI
        {"\xE2\x80\xAE"
         "gpj.exe",
         "\\u{202E}gpj.exe"},  // bidi override
        {"back\\slash", "back\\slash"},
    };
    for (const auto& row : rows) {
        INFO(row.in);
        CHECK(to_safe_utf8(row.in) == row.out);
        CHECK(is_safe_utf8(to_safe_utf8(row.in)));
        CHECK(is_valid_utf8(to_safe_utf8(row.in)));
        CHECK(is_safe_utf8(row.in) == (row.in == row.out));
    }
}

TEST_CASE("UTF-8 validity and prefixes on code-point boundaries", "[text]") {
    CHECK(
        is_valid_utf8("b\xC3\xBC"
                      "cher\n"));
    CHECK_FALSE(
        is_safe_utf8("b\xC3\xBC"
                     "cher\n"));
    CHECK_FALSE(is_valid_utf8("\xC3"));
    const std::string s = "a\xC3\xBC\xE2\x82\xAC";  // a ü €
    CHECK(utf8_prefix(s, 0).empty());
    CHECK(utf8_prefix(s, 1) == "a");
    CHECK(utf8_prefix(s, 2) == "a");
    CHECK(utf8_prefix(s, 3) == "a\xC3\xBC");
    CHECK(utf8_prefix(s, 5) == "a\xC3\xBC");
    CHECK(utf8_prefix(s, 6) == s);
    CHECK(truncate_utf8(s, 4) == "a\xC3\xBC...");
    CHECK(truncate_utf8(s, 99) == s);
    for (std::size_t n = 0; n <= s.size(); ++n) CHECK(is_valid_utf8(utf8_prefix(s, n)));
}

TEST_CASE("describe_character_at names the code point", "[text]") {
    const std::string host =
        "b\xC3\xBC"
        "cher";
    CHECK(describe_character_at(host, 1) == "'\xC3\xBC' (U+00FC)");
    CHECK(describe_character_at("\x1B", 0) == "U+001B");
    CHECK(describe_character_at("\xFF", 0) == "byte 0xFF");
}

TEST_CASE("printable_excerpt of hostile bytes is safe", "[text]") {
    const Bytes hostile{0x1B, '[', '2', 'J', 0xC2, 0x9B, 0xFF, 0xFE, 0x00, 'o', 'k'};
    const auto excerpt = printable_excerpt(hostile);
    CHECK(is_safe_utf8(excerpt));
    CHECK(excerpt.find('\x1B') == std::string::npos);
}
