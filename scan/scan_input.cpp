#include "scan/scan_input.hpp"

#include <boost/algorithm/string/case_conv.hpp>
#include <boost/algorithm/string/trim.hpp>
#include <cctype>
#include <charconv>
#include <fmt/format.h>
#include <vector>

namespace tlsprobe::scan {

using probe::Target;
using probe::TargetError;
using probe::invalid_host_name_reason;
using probe::is_ip_literal;
using probe::parse_connect_to;
using probe::parse_target;
namespace {

std::string_view trim(std::string_view s) {
    const auto range = boost::algorithm::trim_copy(boost::make_iterator_range(s.begin(), s.end()));
    return {range.begin(), range.end()};
}

std::string lower(std::string_view s) {
    return boost::algorithm::to_lower_copy(std::string(s));
}

// Drops a comment: "#" at the start of the line or after white space. A "#" inside a
// token (a URL fragment, "https://h/#x") is not a comment.
std::string_view strip_comment(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i)
        if (s[i] == '#' && (i == 0 || std::isspace(static_cast<unsigned char>(s[i - 1])))) return s.substr(0, i);
    return s;
}

std::vector<std::string_view> split_columns(std::string_view s) {
    std::vector<std::string_view> columns;
    std::size_t start = 0;
    for (;;) {
        const auto comma = s.find(',', start);
        columns.push_back(trim(s.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
        if (comma == std::string_view::npos) return columns;
        start = comma + 1;
    }
}

std::string bracketed(const std::string& host) {
    return host.find(':') != std::string::npos ? fmt::format("[{}]", host) : host;
}

std::string shorten(std::string_view s) {
    constexpr std::size_t kShown = 200;
    return s.size() <= kShown ? std::string(s) : fmt::format("{}...", s.substr(0, kShown));
}

// The SNI column: empty keeps the default, "-" sends none, else a DNS name.
void apply_sni_column(Target& t, std::string_view sni) {
    if (sni.empty()) return;
    if (sni == "-") {
        t.sni.reset();
        return;
    }
    if (is_ip_literal(sni))
        throw TargetError(fmt::format("SNI '{}' is an IP address; RFC 6066 §3 allows only host names (use '-' for no SNI)", sni));
    if (auto reason = invalid_host_name_reason(sni))
        throw TargetError(fmt::format("SNI '{}' is not a valid host name: {}", sni, *reason));
    t.sni = lower(sni);
}

}  // namespace

std::optional<ParsedLine> parse_scan_line(std::string_view raw) {
    if (raw.size() > kMaxInputLine)
        return InputError{shorten(raw), fmt::format("the line is {} characters long (at most {})", raw.size(), kMaxInputLine)};
    const auto line = trim(strip_comment(raw));
    if (line.empty()) return std::nullopt;
    const auto columns = split_columns(line);
    try {
        if (columns.size() > 3)
            throw TargetError(fmt::format("{} comma-separated columns; expected at most 3: target,connect-to,sni", columns.size()));
        if (columns[0].empty()) throw TargetError("the target column is empty (expected host, host:port or https://host/)");
        Target t = parse_target(columns[0]);
        if (columns.size() > 1 && !columns[1].empty()) {
            auto [address, port] = parse_connect_to(columns[1]);
            t.connect_to = lower(address);
            t.connect_port = port;
        }
        if (columns.size() > 2) apply_sni_column(t, columns[2]);
        std::string key = scan_key(t);
        return ScanTarget{std::move(t), std::move(key)};
    } catch (const TargetError& e) {
        return InputError{shorten(line), e.what()};
    }
}

std::string scan_key(const Target& t) {
    std::string key = lower(t.authority());
    if (t.connect_to) {
        key += ",via=" + bracketed(lower(*t.connect_to));
        if (t.connect_port) key += fmt::format(":{}", t.connect_port);
    }
    const std::optional<std::string> default_sni = is_ip_literal(t.host) ? std::nullopt : std::optional(lower(t.host));
    const std::optional<std::string> sni = t.sni ? std::optional(lower(*t.sni)) : std::nullopt;
    if (sni != default_sni) key += ",sni=" + sni.value_or("-");
    return key;
}

std::uint64_t fnv1a64(std::string_view text) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (const char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

Shard parse_shard(std::string_view text) {
    const auto slash = text.find('/');
    std::uint32_t k = 0, n = 0;
    auto parse = [](std::string_view s, std::uint32_t& v) {
        auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        return !s.empty() && ec == std::errc{} && ptr == s.data() + s.size();
    };
    if (slash == std::string_view::npos || !parse(text.substr(0, slash), k) || !parse(text.substr(slash + 1), n))
        throw TargetError(fmt::format("--shard '{}': expected K/N, e.g. 3/16 (shard 3 of 16)", text));
    if (n == 0 || k == 0 || k > n)
        throw TargetError(fmt::format("--shard '{}': K must be from 1 to N (shards are numbered 1..N)", text));
    return {k, n};
}

bool in_shard(std::string_view key, const Shard& shard) {
    return fnv1a64(key) % shard.count == shard.index - 1;
}

std::optional<ScanInputReader::Item> ScanInputReader::next() {
    std::string line;
    while (std::getline(in_, line)) {
        ++line_;
        std::string_view view = line;
        if (line_ == 1 && view.starts_with("\xEF\xBB\xBF")) view.remove_prefix(3);  // UTF-8 BOM (Notepad)
        auto parsed = parse_scan_line(view);
        if (parsed) return Item{line_, std::move(*parsed)};
    }
    return std::nullopt;
}

}  // namespace tlsprobe::scan
