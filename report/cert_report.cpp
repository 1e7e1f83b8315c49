#include "report/cert_report.hpp"

#include <fmt/color.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "report/format_util.hpp"
#include "report/json_report.hpp"

namespace tlsprobe::report {

using nlohmann::json;
namespace {

class Writer {
public:
    explicit Writer(bool color) : color_(color) {}
    template <typename... Args>
    void line(fmt::format_string<Args...> f, Args&&... args) {
        out_ += fmt::format(f, std::forward<Args>(args)...);
        out_ += '\n';
    }
    std::string paint(std::string_view text, fmt::text_style style) const {
        return color_ ? fmt::format(style, "{}", text) : std::string(text);
    }
    std::string bad(std::string_view t) const {
        return paint(t, fmt::fg(fmt::terminal_color::red) | fmt::emphasis::bold);
    }
    std::string good(std::string_view t) const {
        return paint(t, fmt::fg(fmt::terminal_color::green));
    }
    std::string take() { return std::move(out_); }

private:
    bool color_;
    std::string out_;
};

std::string files_line(const judge::CertFileResult& r) {
    std::vector<std::string> parts;
    for (const auto& f : r.files)
        parts.push_back(fmt::format("{} ({}, {} certificate{}{})", f.name, x509::to_string(f.format),
                                    f.certificates, f.certificates == 1 ? "" : "s",
                                    f.has_key ? ", private key" : ""));
    return fmt::format("{}", fmt::join(parts, "; "));
}

std::string role(const x509::ChainReport& chain, std::size_t i) {
    if (i == chain.leaf) return "leaf";
    const auto& c = chain.certificates[i];
    if (c.self_signed && c.is_ca) return "root";
    return c.is_ca ? "intermediate" : "certificate";
}

void certificates(Writer& w, const judge::CertFileResult& r) {
    w.line("Certificates (in file order):");
    for (std::size_t i = 0; i < r.chain.certificates.size(); ++i) {
        const auto& c = r.chain.certificates[i];
        w.line("  #{} {:<12} {}", i + 1, role(r.chain, i), c.subject);
        w.line("     issuer {}", c.issuer);
        w.line("     valid {} .. {}; {}; {}", date_only(c.not_before), date_only(c.not_after),
               key_description(c), c.signature_algorithm);
        if (i == r.chain.leaf) {
            std::vector<std::string> names = c.san_dns;
            names.insert(names.end(), c.san_ip.begin(), c.san_ip.end());
            w.line("     names {}", names.empty() ? "(no subjectAltName)" : fmt::format("{}", fmt::join(names, ", ")));
            w.line("     EKU {}; key usage {}",
                   c.eku ? (c.eku->empty() ? "(empty)" : fmt::format("{}", fmt::join(*c.eku, ", ")))
                         : "(none: any use)",
                   c.key_usage_names.empty() ? "(none: any use)"
                                             : fmt::format("{}", fmt::join(c.key_usage_names, ", ")));
        } else if (c.is_ca || c.has_basic_constraints) {
            w.line("     CA:{}{}", c.is_ca ? "TRUE" : "FALSE",
                   c.path_len ? fmt::format(", pathlen {}", *c.path_len) : "");
        }
        w.line("     SHA-1 {}", c.sha1_hex);
    }
}

void path_and_trust(Writer& w, const judge::CertFileResult& r) {
    std::vector<std::string> steps;
    for (const auto& e : r.chain.path)
        steps.push_back(e.certificate ? fmt::format("#{}", *e.certificate + 1)
                                      : fmt::format("trust store '{}'", e.subject));
    w.line("Path:        {}", fmt::join(steps, " -> "));
    if (r.chain.trusted)
        w.line("Trust:       {} ({})", w.good("trusted"), r.trust);
    else
        w.line("Trust:       {} ({}): OpenSSL verify error {} ({})", w.bad("not trusted"), r.trust,
               r.chain.verify_error, r.chain.verify_error_text);
}

void key_and_names(Writer& w, const judge::CertFileResult& r) {
    const auto state = judge::to_string(r.key.state);
    const bool ok = r.key.state == judge::KeyState::matches;
    w.line("Private key: {}: {}", ok ? w.good(state) : (r.key.state == judge::KeyState::absent && !r.pkcs12_input ? std::string(state) : w.bad(state)),
           r.key.detail);
    if (r.hosts.empty()) {
        w.line("Names:       not checked (--host NAME checks the names the certificate must cover)");
    } else {
        for (const auto& h : r.hosts) {
            const bool covered = h.match == x509::HostnameMatch::match ||
                                 h.match == x509::HostnameMatch::match_cn_fallback;
            const std::string shown =
                h.typed == h.ascii ? h.ascii : fmt::format("{} ({})", h.typed, h.ascii);
            w.line("Name:        {}: {}", shown,
                   covered ? w.good(x509::to_string(h.match)) : w.bad(x509::to_string(h.match)));
        }
    }
    if (!r.thumbprint.empty())
        w.line("Thumbprint:  {}   (certutil -repairstore my {})", r.thumbprint, r.thumbprint);
}

}  // namespace

std::string render_cert_text(const judge::CertFileResult& r, const CertTextOptions& options) {
    Writer w(options.color);
    w.line("tlsprobe cert: {}", files_line(r));
    w.line("Checked at {}{} against the {}", iso8601(r.at), r.at_given ? " (--at)" : "", r.trust);
    std::size_t high = 0;
    for (const auto& f : r.findings) high += f.severity >= probe::Severity::high ? 1 : 0;
    w.line("Verdict:     {}{}",
           r.verdict == judge::CertVerdict::fail ? w.bad("FAIL")
           : r.verdict == judge::CertVerdict::warn ? std::string("WARN")
                                                    : w.good("OK"),
           r.findings.empty() ? std::string(", no findings")
                              : fmt::format(", {} finding{} ({} high or critical)", r.findings.size(),
                                            r.findings.size() == 1 ? "" : "s", high));
    w.line("");
    certificates(w, r);
    path_and_trust(w, r);
    key_and_names(w, r);
    if (!r.findings.empty()) {
        w.line("");
        w.line("Findings:");
        for (const auto& f : r.findings) {
            const std::string sev(probe::to_string(f.severity));
            w.line("  [{}] {}: {}",
                   f.severity >= probe::Severity::high ? w.bad(sev) : sev, f.id, f.title);
            w.line("{}", wrap(f.detail, 100, "      "));
        }
    }
    if (!r.install.empty()) {
        w.line("");
        w.line("Install:");
        for (const auto& a : r.install) {
            w.line("  {}:", a.name);
            for (const auto& s : a.fix) w.line("{}", wrap(s, 100, "    - ", "      "));
            for (const auto& s : a.confirm) w.line("{}", wrap("check: " + s, 100, "    - ", "      "));
        }
    }
    return w.take();
}

json cert_to_json(const judge::CertFileResult& r) {
    json files = json::array();
    for (const auto& f : r.files)
        files.push_back({{"name", f.name},
                         {"format", x509::to_string(f.format)},
                         {"certificates", f.certificates},
                         {"private_key", f.has_key}});
    json key = {{"state", judge::to_string(r.key.state)}, {"detail", r.key.detail}};
    if (!r.key.source.empty()) key["source"] = r.key.source;
    if (!r.key.type.empty()) {
        key["type"] = r.key.type;
        key["bits"] = r.key.bits;
    }
    if (r.key.matches_certificate) key["matches_certificate"] = *r.key.matches_certificate;
    json hosts = json::array();
    for (const auto& h : r.hosts)
        hosts.push_back({{"name", h.typed}, {"ascii", h.ascii}, {"match", x509::to_string(h.match)}});
    json findings = json::array();
    for (const auto& f : r.findings)
        findings.push_back({{"id", f.id},
                            {"severity", probe::to_string(f.severity)},
                            {"title", f.title},
                            {"detail", f.detail}});
    json install = json::array();
    for (const auto& a : r.install)
        install.push_back(
            {{"platform", a.platform}, {"name", a.name}, {"steps", a.fix}, {"check", a.confirm}});
    return {{"schema_version", kSchemaVersion},
            {"kind", "certificate_files"},
            {"files", files},
            {"checked_at", iso8601(r.at)},
            {"at_given", r.at_given},
            {"trust_store", r.trust},
            {"verdict", judge::to_string(r.verdict)},
            {"thumbprint", r.thumbprint},
            {"chain", to_json(r.chain, r.at)},
            {"private_key", key},
            {"hosts", hosts},
            {"findings", findings},
            {"install", install}};
}

std::string render_cert_json(const judge::CertFileResult& r) {
    return cert_to_json(r).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace tlsprobe::report
