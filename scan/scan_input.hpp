// The input of `tlsprobe scan`: one target per line, read as a stream (pure: text in, values
// out, no sockets). Also the normalised key used to drop duplicates, to resume and to shard.
//
//   line            := blank | comment | target [ "," connect-to [ "," sni ] ] [ comment ]
//   target          := host | host:port | [v6]:port | v6 | https://host:port/path
//   (probe::parse_target) connect-to      := empty | address | address:port | [v6]:port
//   (probe::parse_connect_to) sni             := empty (the default: the host, none for an IP) |
//   "-" (send no SNI) | DNS name comment         := "#" to the end of the line, at the start or
//   after white space
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "probe/target.hpp"
#include "wire/starttls.hpp"

namespace tlsprobe::scan {

// One line that names a target.
struct ScanTarget {
    probe::Target target;
    std::string key;  // normalised: see scan_key()
};

// One line that could not be read; the scan reports it and goes on.
struct InputError {
    std::string
        text;  // the line as written (trimmed, at most 200 characters, escaped: see escape_input)
    std::string reason;  // what is wrong and what is expected (never a raw control byte)
};

// `text` safe to print: control characters (below 0x20 and 0x7f), backslash and bytes that
// are not valid UTF-8 as \xNN (backslash as \\); valid UTF-8 and printable ASCII as they are.
std::string escape_input(std::string_view text);

using ParsedLine = std::variant<ScanTarget, InputError>;

// Lines longer than this are reported as errors instead of parsed; the reader never holds
// more than this (plus one chunk) of a line.
inline constexpr std::size_t kMaxInputLine = 4096;

// Parses one input line (without its '\n'; a trailing '\r' is dropped). nullopt for a blank or
// comment-only line. A line with a control character other than tab (the only white space
// besides the blank) is an InputError naming the byte, escaped. `upgrade` (scan --starttls)
// applies to a target without a URL scheme: its protocol, and its default port when the line
// names none; a line with a scheme keeps what the scheme says.
std::optional<ParsedLine> parse_scan_line(std::string_view line,
                                          wire::StartTls upgrade = wire::StartTls::none);

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

// Reads an input stream line by line, in chunks of at most kChunk bytes, holding at most
// kMaxInputLine + 1 characters of a line: a longer line is reported as soon as it passes the
// limit and the rest of it is skipped unread. Between chunks it checks `stop` (when set, next()
// returns nullopt), so an endless input (`scan /dev/zero`) ends promptly on SIGINT/SIGTERM.
// It never blocks for more than what the stream has ready (in_avail), so a pipe streams.
class ScanInputReader {
public:
    static constexpr std::size_t kChunk = 64 * 1024;

    explicit ScanInputReader(std::istream& in, const std::atomic<bool>* stop = nullptr)
        : in_(in), stop_(stop) {}
    void set_stop(const std::atomic<bool>* stop) { stop_ = stop; }
    // scan --starttls: passed to parse_scan_line for every line.
    void set_upgrade(wire::StartTls upgrade) { upgrade_ = upgrade; }

    struct Item {
        std::size_t line = 0;  // 1-based line number in the input
        ParsedLine parsed;
    };
    // The next non-blank, non-comment line, or nullopt at the end of the input.
    std::optional<Item> next();

    // True when the last next() returned nullopt because `stop` was set, not at the end.
    bool stopped() const { return stopped_; }

private:
    enum class Got { line, too_long, end, stopped };
    Got read_line(std::string& line);
    bool refill();  // false at the end of the input
    bool stop_requested() const { return stop_ && stop_->load(); }

    std::istream& in_;
    const std::atomic<bool>* stop_;
    std::size_t line_ = 0;
    bool skipping_ = false;  // inside an over-long line, already reported
    bool stopped_ = false;
    wire::StartTls upgrade_ = wire::StartTls::none;
    std::unique_ptr<std::array<char, kChunk>> buffer_ =
        std::make_unique<std::array<char, kChunk>>();
    std::size_t pos_ = 0, end_ = 0;
};

}  // namespace tlsprobe::scan
