// The input of `tlsprobe scan`: one target per line, read as a stream (pure: text in, values
// out, no sockets). Also the normalised key used to drop duplicates, to resume and to shard.
//
//   line            := blank | comment | target [ "," connect-to [ "," sni ] ] [ comment ]
//   target          := host | host:port | [v6]:port | v6 | https://host:port/path   (probe::parse_target)
//   connect-to      := empty | address | address:port | [v6]:port                   (probe::parse_connect_to)
//   sni             := empty (the default: the host, none for an IP) | "-" (send no SNI) | DNS name
//   comment         := "#" to the end of the line, at the start or after white space
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "probe/target.hpp"

namespace tlsprobe::scan {

// One line that names a target.
struct ScanTarget {
    probe::Target target;
    std::string key;  // normalised: see scan_key()
};

// One line that could not be read; the scan reports it and goes on.
struct InputError {
    std::string text;    // the line as written (trimmed, at most 200 characters)
    std::string reason;  // what is wrong and what is expected
};

using ParsedLine = std::variant<ScanTarget, InputError>;

// Lines longer than this are reported as errors instead of parsed.
inline constexpr std::size_t kMaxInputLine = 4096;

// Parses one input line. nullopt for a blank or comment-only line.
std::optional<ParsedLine> parse_scan_line(std::string_view line);

// The normalised key of a target: "host:port" (lower case, default port filled in, URL
// scheme and path dropped, IPv6 in brackets), then ",via=ADDR[:PORT]" when it has a
// connect-to address and ",sni=NAME" (or ",sni=-" for none) when its SNI is not the default.
// Two lines with the same key are the same probe.
std::string scan_key(const probe::Target& target);

// 64-bit FNV-1a (offset basis 0xcbf29ce484222325, prime 0x100000001b3) over the bytes of
// `text`. Chosen because it is fully specified, so every machine and every build agrees;
// std::hash is neither.
std::uint64_t fnv1a64(std::string_view text);

// "--shard K/N": this machine runs shard `index` (1-based, as people count) of `count`.
struct Shard {
    std::uint32_t index = 1;
    std::uint32_t count = 1;
};
// Parses "3/16"; throws TargetError naming the value when it is not K/N with 1 <= K <= N.
Shard parse_shard(std::string_view text);
// True when `key` belongs to `shard`: fnv1a64(key) % count == index - 1.
bool in_shard(std::string_view key, const Shard& shard);

// Reads an input stream line by line without holding more than one line.
class ScanInputReader {
public:
    explicit ScanInputReader(std::istream& in) : in_(in) {}

    struct Item {
        std::size_t line = 0;  // 1-based line number in the input
        ParsedLine parsed;
    };
    // The next non-blank, non-comment line, or nullopt at the end of the input.
    std::optional<Item> next();

private:
    std::istream& in_;
    std::size_t line_ = 0;
};

}  // namespace tlsprobe::scan
