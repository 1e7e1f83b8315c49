#include "report/format_util.hpp"

#include <algorithm>
#include <array>
#include <ctime>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include "core/alert.hpp"

namespace tlsprobe::report {

std::string iso8601(std::chrono::system_clock::time_point t) {
    return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}",
                       fmt::gmtime(std::chrono::system_clock::to_time_t(t)));
}

std::string date_only(std::chrono::system_clock::time_point t) {
    return fmt::format("{:%Y-%m-%d}", fmt::gmtime(std::chrono::system_clock::to_time_t(t)));
}

long days_between(std::chrono::system_clock::time_point now,
                  std::chrono::system_clock::time_point t) {
    return static_cast<long>(std::chrono::floor<std::chrono::days>(t - now).count());
}

std::string key_description(const x509::CertificateInfo& c) {
    if (c.key_type == "EC") return fmt::format("EC {} ({})", c.key_bits, c.curve);
    if (c.key_type == "Ed25519" || c.key_type == "Ed448") return c.key_type;
    return fmt::format("{} {}", c.key_type, c.key_bits);
}

std::string support_word(const probe::VersionResult& v) {
    if (v.supported == true) return "yes";
    if (v.supported == false) return "no";
    if (v.status == core::Status::local_unsupported) return "not tested";
    return "unknown";
}

std::string outcome_phrase(const probe::VersionResult& v) {
    if (v.status == core::Status::negotiated) return v.cipher;
    core::Observation o;
    o.status = v.status;
    o.alert = v.alert;
    o.detail = v.detail;
    o.phase = v.phase;
    return core::outcome_phrase(o);
}

namespace {

// Length in bytes of the escape sequence at s[i] ('\x1b'): CSI "ESC [ params final".
std::size_t escape_length(std::string_view s, std::size_t i) {
    if (i + 1 >= s.size() || s[i + 1] != '[') return 1;
    std::size_t j = i + 2;
    while (j < s.size() && !(s[j] >= 0x40 && s[j] <= 0x7E)) ++j;
    return std::min(j + 1, s.size()) - i;
}

std::string_view trim(std::string_view s) {
    const auto b = s.find_first_not_of(' ');
    if (b == std::string_view::npos) return {};
    return s.substr(b, s.find_last_not_of(' ') - b + 1);
}

}  // namespace

std::size_t visible_width(std::string_view text) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == 0x1b) {
            i += escape_length(text, i);
            continue;
        }
        if ((c & 0xC0) != 0x80) ++n;  // not a UTF-8 continuation byte
        ++i;
    }
    return n;
}

std::string wrap(std::string_view text, std::size_t width, std::string_view first,
                 std::string_view rest) {
    if (rest.empty()) rest = first;
    std::vector<std::string> lines;
    std::string line(first);
    std::size_t used = visible_width(first);
    bool has_word = false;
    auto next_line = [&] {
        lines.push_back(std::move(line));
        line.assign(rest);
        used = visible_width(rest);
        has_word = false;
    };
    // A label ("  SHA-256    ") may stand alone so that a long first word starts a line of
    // its own; a bare bullet ("- ") or indent may not.
    const auto label = trim(first);
    const bool movable = !label.empty() && label != "-";
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto start = text.find_first_not_of(' ', pos);
        if (start == std::string_view::npos) break;
        // Words on the same line keep the spaces between them (table columns, "cmd   (note)");
        // a line break replaces them.
        const std::size_t gap = std::max<std::size_t>(start - pos, 1);
        auto end = text.find(' ', start);
        if (end == std::string_view::npos) end = text.size();
        const auto word = text.substr(start, end - start);
        pos = end;
        const auto w = visible_width(word);
        if (has_word && used + gap + w > width) next_line();
        else if (!has_word && lines.empty() && movable && used + w > width) {
            line.resize(line.find_last_not_of(' ') + 1);
            next_line();
        }
        if (has_word) {
            line.append(gap, ' ');
            used += gap;
        }
        line += word;
        used += w;
        has_word = true;
    }
    lines.push_back(std::move(line));
    std::string out;
    for (const auto& l : lines) {
        if (!out.empty() || &l != &lines.front()) out += '\n';
        out += l;
    }
    return out;
}

std::string fit_line(std::string_view line, std::size_t width) {
    if (visible_width(line) <= width) return std::string(line);
    const auto lead = line.find_first_not_of(' ');
    if (lead == std::string_view::npos) return std::string(line);
    // Where the value starts: after a bullet, or after a label and its two-space gap.
    std::size_t value = std::string_view::npos;
    if (line.substr(lead).starts_with("- ")) value = lead + 2;
    else if (const auto gap = line.find("  ", lead); gap != std::string_view::npos) {
        const auto v = line.find_first_not_of(' ', gap);
        if (v != std::string_view::npos && visible_width(line.substr(0, v)) <= width / 2)
            value = v;
    }
    std::string_view first = line.substr(0, lead);
    std::size_t hang = lead + 2;
    if (value != std::string_view::npos) {
        first = line.substr(0, value);
        hang = visible_width(first);
    }
    hang = std::min(hang, width / 2);
    return wrap(line.substr(first.size()), width, first, std::string(hang, ' '));
}

std::string fit_text(std::string_view text, std::size_t width) {
    std::string out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        const bool newline = end != std::string_view::npos;
        if (!newline) end = text.size();
        out += fit_line(text.substr(pos, end - pos), width);
        if (newline) out += '\n';
        pos = end + 1;
    }
    return out;
}

namespace {

// Words that start a command wherever they stand.
constexpr std::array<std::string_view, 20> kCommandWords{
    "openssl",   "netsh",        "certutil", "systemctl", "apachectl", "apache2ctl", "keytool",
    "nslookup",  "dig",          "curl",     "grep",      "journalctl", "firewall-cmd", "ufw",
    "a2enmod",   "a2ensite",     "certbot",  "iptables",  "update-ca-certificates", "netstat"};
// Words that also name things in prose ("nginx", "the reg file"): a command only before an
// option, a path or one of their subcommands ("nginx -T", "tail /var/log/...", "reg add").
constexpr std::array<std::string_view, 8> kProseWords{"nginx", "haproxy", "ss",  "tail",
                                                      "reg",   "net",     "httpd", "java"};
constexpr std::array<std::string_view, 6> kSubcommands{"add",    "query", "delete",
                                                       "export", "stop",  "start"};
// PowerShell cmdlets: Verb-Noun.
constexpr std::array<std::string_view, 10> kPowerShellVerbs{
    "Get-", "Set-", "Enable-", "Disable-", "New-", "Remove-", "Import-", "Export-", "Test-",
    "Restart-"};

template <std::size_t N>
bool among(const std::array<std::string_view, N>& words, std::string_view w) {
    return std::find(words.begin(), words.end(), w) != words.end();
}

bool starts_command(std::string_view step, std::size_t at) {
    auto end = step.find(' ', at);
    const auto word = step.substr(at, end == std::string_view::npos ? end : end - at);
    if (among(kCommandWords, word)) return true;
    for (const auto verb : kPowerShellVerbs)
        if (word.size() > verb.size() && word.starts_with(verb)) return true;
    if (!among(kProseWords, word) || end == std::string_view::npos) return false;
    auto next = step.substr(end + 1);
    next = next.substr(0, next.find(' '));
    return next.starts_with('-') || next.starts_with('/') || among(kSubcommands, next);
}

// Where the command starting at `at` ends (see split_advice_step()).
std::size_t command_end(std::string_view step, std::size_t at) {
    char quote = 0;
    int parens = 0, angles = 0;
    for (std::size_t i = at; i < step.size(); ++i) {
        const char c = step[i];
        if (quote) {
            if (c == quote) quote = 0;
            continue;
        }
        if (c == '\'' || c == '"') quote = c;
        else if (c == '<') ++angles;
        else if (c == '>' && angles > 0) --angles;
        else if (angles > 0) continue;
        else if (c == '(') ++parens;
        else if (c == ')') {
            if (parens == 0) return i;
            --parens;
        } else if (c == ' ' || c == ',') {
            const auto rest = step.substr(i);
            for (const auto stop : {"   ", " (", ", ", " and ", " or ", " then ", " versus "})
                if (rest.starts_with(stop)) return i;
        }
    }
    return step.size();
}

}  // namespace

std::vector<AdvicePart> split_advice_step(std::string_view step) {
    std::vector<AdvicePart> parts;
    std::size_t prose = 0;
    std::size_t i = 0;
    while (i < step.size()) {
        const bool word_start =
            step[i] != ' ' && (i == 0 || step[i - 1] == ' ' || step[i - 1] == '(');
        if (!word_start || !starts_command(step, i)) {
            ++i;
            continue;
        }
        const auto end = command_end(step, i);
        if (i > prose) parts.push_back({std::string(step.substr(prose, i - prose)), false});
        parts.push_back({std::string(step.substr(i, end - i)), true});
        prose = i = end;
    }
    if (prose < step.size()) parts.push_back({std::string(step.substr(prose)), false});
    return parts;
}

std::string layout_advice_step(std::string_view step, std::size_t width, std::string_view first,
                               std::string_view rest) {
    std::string one = std::string(first) + std::string(step);
    if (visible_width(one) <= width) return one;
    std::string out, prose;
    std::string_view prefix = first;
    auto add = [&](const std::string& block) {
        if (!out.empty()) out += '\n';
        out += block;
        prefix = rest;
    };
    bool after_command = false;
    auto flush_prose = [&] {
        auto text = trim(prose);
        // ", then ..." after a command's line: the line break separates them already
        if (after_command && text.starts_with(',')) text = trim(text.substr(1));
        if (!text.empty()) add(wrap(text, width, prefix, rest));
        prose.clear();
    };
    for (const auto& part : split_advice_step(step)) {
        if (!part.command) {
            prose += part.text;
            continue;
        }
        flush_prose();
        add(std::string(prefix) + part.text);  // whole, even when wider than `width`
        after_command = true;
    }
    flush_prose();
    return out;
}

double to_ms(std::chrono::microseconds us) { return static_cast<double>(us.count()) / 1000.0; }

std::string platform_phrase(const probe::Platform& p) {
    if (!p.known() && p.stack == probe::TlsStack::unknown) return "not identified";
    const std::string software =
        p.known() ? std::string(probe::display_name(p.software)) : "unknown software";
    const std::string stack = p.stack == probe::TlsStack::unknown
                                  ? ""
                                  : fmt::format(" ({})", probe::display_name(p.stack));
    return fmt::format("{}{}, {} confidence", software, stack, to_string(p.confidence));
}

}  // namespace tlsprobe::report
