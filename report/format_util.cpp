#include "report/format_util.hpp"

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

std::string wrap(std::string_view text, std::size_t width, std::string_view first,
                 std::string_view rest) {
    if (rest.empty()) rest = first;
    std::string out, line;
    auto flush = [&] {
        if (!out.empty()) out += '\n';
        out += out.empty() ? first : rest;
        out += line;
        line.clear();
    };
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find(' ', pos);
        if (end == std::string_view::npos) end = text.size();
        const auto word = text.substr(pos, end - pos);
        if (!word.empty()) {
            if (!line.empty() && line.size() + 1 + word.size() > width) flush();
            if (!line.empty()) line += ' ';
            line += word;
        }
        pos = end + 1;
    }
    if (!line.empty() || out.empty()) flush();
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
