#include "report/text_report.hpp"

#include <fmt/color.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/alert.hpp"
#include "judge/verdict.hpp"
#include "probe/dh_text.hpp"
#include "report/format_util.hpp"

namespace tlsprobe::report {

namespace {

class Writer {
public:
    Writer(bool color, std::size_t width) : color_(color), width_(width) {}
    // One line (or several, '\n'-separated), each broken at spaces to fit the width.
    template <typename... Args>
    void line(fmt::format_string<Args...> f, Args&&... args) {
        out_ += fit_text(fmt::format(f, std::forward<Args>(args)...), width_);
        out_ += '\n';
    }
    // Lines already laid out for the width (layout_advice_step()): written as they are.
    void laid_out(std::string_view text) {
        out_ += text;
        out_ += '\n';
    }
    std::size_t width() const { return width_; }
    std::string paint(std::string_view text, fmt::text_style style) const {
        return color_ ? fmt::format(style, "{}", text) : std::string(text);
    }
    std::string good(std::string_view t) const {
        return paint(t, fmt::fg(fmt::terminal_color::green));
    }
    std::string bad(std::string_view t) const {
        return paint(t, fmt::fg(fmt::terminal_color::red) | fmt::emphasis::bold);
    }
    std::string warn(std::string_view t) const {
        return paint(t, fmt::fg(fmt::terminal_color::yellow));
    }
    std::string bold(std::string_view t) const { return paint(t, fmt::emphasis::bold); }
    std::string take() { return std::move(out_); }

private:
    bool color_;
    std::size_t width_;
    std::string out_;
};

std::string severity_label(const Writer& w, probe::Severity s) {
    const auto text = fmt::format("{:<8}", fmt::format("{}", to_string(s)));
    switch (s) {
        case probe::Severity::critical:
        case probe::Severity::high: return w.bad(text);
        case probe::Severity::medium: return w.warn(text);
        default: return text;
    }
}

void header(Writer& w, const probe::TargetResult& r) {
    const auto& t = r.target;
    w.line("{} {}", w.bold("tlsprobe"), w.bold(t.display()));
    w.line(
        "  address  {}{}", r.address.empty() ? "(not resolved)" : r.address,
        r.resolved.size() > 1 ? fmt::format("  (resolved: {})", fmt::join(r.resolved, ", ")) : "");
    w.line("  SNI      {}", t.sni ? *t.sni : "(none)");
    w.line("  probed   {} in {:.0f} ms", iso8601(r.started), to_ms(r.duration));
    if (r.http)
        w.line("  HTTP     {}{}", r.http->detail,
               r.http->redirects_to_https ? ", redirects to " + r.http->location : "");
    if (r.diagnosed) {
        const auto& p = r.platform;
        w.line("{}", wrap(p.evidence.empty() ? platform_phrase(p)
                                             : fmt::format("{}: {}", platform_phrase(p),
                                                           fmt::join(p.evidence, "; ")),
                          w.width(), "  server   ", "           "));
    }
    w.line("");
    w.line("{}", w.bold("Verdict"));
    const auto paragraph = wrap(r.summary, w.width(), "  ");
    w.line("{}", r.diagnosis.empty() && r.facts.works ? w.good(paragraph) : paragraph);
    w.line("");
}

// One line per DH group conclude() analysed: size, what it is, what failed.
void dh_groups(Writer& w, const probe::TargetResult& r) {
    if (r.dh_groups.empty()) return;
    w.line("{} ({} distinct{})", w.bold("DH groups"), r.dh_groups_seen,
           r.dh_groups_seen > r.dh_groups.size()
               ? fmt::format(", first {} analysed", r.dh_groups.size())
               : "");
    auto yes_no = [](const std::optional<bool>& b) {
        return b ? (*b ? "yes" : "NO") : "not tested";
    };
    for (const auto& g : r.dh_groups) {
        std::string what = g.standard_name.empty() ? "" : g.standard_name + ", ";
        what += g.common_prime_checked
                    ? (g.common_prime ? fmt::format("common prime \"{}\"", *g.common_prime)
                                      : std::string("not a known common prime"))
                    : std::string("common-prime check not done");
        const std::string facts =
            fmt::format("{} bits, g = {}, {}; prime {}, safe prime {}, g in subgroup {}", g.bits,
                        probe::short_number(g.generator_hex), what, yes_no(g.prime),
                        yes_no(g.safe_prime), yes_no(g.generator_ok));
        const auto line = fmt::format(
            "  {}{}", facts,
            g.public_keys_checked ? fmt::format(", Ys valid {} ({} checked)",
                                                yes_no(g.public_keys_ok), g.public_keys_checked)
                                  : "");
        w.line("{}", g.invalid() || g.bits < 2048 ? w.bad(line) : line);
        for (const auto& p : g.problems) w.line("    {} {}", w.bad("invalid:"), p);
        constexpr std::size_t kShown = 4;
        const auto& with = g.seen_with;
        if (with.size() > kShown)
            w.line("    with {} and {} more", fmt::join(with.begin(), with.begin() + kShown, ", "),
                   with.size() - kShown);
        else if (!with.empty()) w.line("    with {}", fmt::join(with, ", "));
    }
    w.line("");
}

void ciphers(Writer& w, const probe::TargetResult& r) {
    for (auto v : core::all_versions) {
        const auto& vr = r.version(v);
        if (!vr.ciphers_enumerated || vr.ciphers.empty()) continue;
        const std::string order = vr.server_preference == true ? "server's order"
                                  : vr.server_preference == false
                                      ? "client's order (no server preference)"
                                      : "order not determined";
        w.line("{} {} ({} accepted, {})", w.bold("Cipher suites"), core::display_name(v),
               vr.ciphers.size(), order);
        // Columns: code, name, strength, key exchange. The name column is as wide as the
        // longest name here; when a row would not fit the width, each suite takes two lines
        // (code and name, then strength and key exchange under the name).
        std::size_t name_width = 0, extra_width = 0;
        auto extra_of = [](const probe::CipherEntry& c) {
            std::string extra = c.forward_secrecy ? "FS" : "no FS";
            if (c.dh_bits) extra += fmt::format(", DH {} bits", *c.dh_bits);
            else if (!c.group.empty()) extra += ", " + c.group;
            return extra;
        };
        for (const auto& c : vr.ciphers) {
            name_width = std::max(name_width, visible_width(c.name));
            extra_width = std::max(extra_width, visible_width(extra_of(c)));
        }
        const bool one_line = 9 + name_width + 1 + 10 + 1 + extra_width <= w.width();
        for (const auto& c : vr.ciphers) {
            const auto strength = fmt::format("{:<10}", wire::to_string(c.strength));
            const auto painted = c.strength == wire::Strength::insecure ? w.bad(strength)
                                 : c.strength == wire::Strength::weak   ? w.warn(strength)
                                                                        : strength;
            if (one_line) {
                w.line("  0x{:04X} {:<{}} {} {}", c.code, c.name, name_width, painted,
                       extra_of(c));
            } else {
                w.line("  0x{:04X} {}", c.code, c.name);
                w.line("         {} {}", painted, extra_of(c));
            }
        }
        if (!vr.groups.empty())
            w.line("  groups   {}{}", fmt::join(vr.groups, ", "),
                   vr.group_server_preference == true    ? " (server's order)"
                   : vr.group_server_preference == false ? " (client's order)"
                                                         : "");
        for (const auto& e : vr.enumeration_errors) w.line("  {} {}", w.warn("incomplete:"), e);
        w.line("");
    }
    dh_groups(w, r);
}

// One diagnosis's confirm and fix steps: the detected platform's in full; the other platforms'
// folded into one line, or in full with --verbose. When the platform is unknown the generic
// steps come first and every platform's follow, compactly.
void advice(Writer& w, const probe::Diagnosis& d, bool verbose) {
    auto list = [&](std::string_view heading, const std::vector<std::string>& items) {
        if (items.empty()) return;
        w.line("     {}", heading);
        for (const auto& item : items)
            w.laid_out(layout_advice_step(item, w.width(), "       - ", "         "));
    };
    if (d.advice.empty()) {  // a hand-made Diagnosis without per-platform steps
        list("Confirm on the server:", d.confirm);
        list("Fix:", d.fix);
        return;
    }
    const auto& first = d.advice.front();
    const bool unknown = first.platform == "generic";
    const std::string on = unknown ? "" : fmt::format(" ({})", first.name);
    list(fmt::format("Confirm on the server{}:", on), first.confirm);
    list(fmt::format("Fix{}:", on), first.fix);
    if (d.advice.size() < 2) return;
    if (unknown || verbose) {
        w.line("     {}",
               unknown ? "The server platform is not known; per platform:" : "Other servers:");
        for (std::size_t i = 1; i < d.advice.size(); ++i) {
            const auto& a = d.advice[i];
            w.line("       {}:", a.name);
            for (const auto& c : a.confirm)
                w.laid_out(layout_advice_step(c, w.width(), "         check: ", "           "));
            for (const auto& f : a.fix)
                w.laid_out(layout_advice_step(f, w.width(), "         fix:   ", "           "));
        }
        return;
    }
    std::vector<std::string> names;
    for (std::size_t i = 1; i < d.advice.size(); ++i) names.push_back(d.advice[i].name);
    w.line("{}", wrap(fmt::format("Other servers: {} (--verbose shows their steps)",
                                  fmt::join(names, ", ")),
                      w.width(), "     "));
}

void diagnosis(Writer& w, const probe::TargetResult& r, bool verbose) {
    if (r.diagnosis.empty()) return;
    w.line("{}", w.bold("Diagnosis (most likely first)"));
    std::size_t n = 0;
    for (const auto& d : r.diagnosis) {
        const auto conf = fmt::format("{} confidence", to_string(d.confidence));
        w.line("  {}. {}  [{}{}]", ++n, w.bold(d.id),
               d.confidence == probe::Confidence::high ? w.bad(conf) : w.warn(conf),
               d.scenarios.empty()
                   ? ""
                   : fmt::format(", article scenario {}", fmt::join(d.scenarios, "/")));
        w.line("{}", wrap(d.summary, w.width(), "     "));
        auto list = [&](std::string_view heading, const std::vector<std::string>& items) {
            if (items.empty()) return;
            w.line("     {}", heading);
            for (const auto& item : items)
                w.line("{}", wrap(item, w.width(), "       - ", "         "));
        };
        list("What the wire showed:", d.evidence);
        list("What clients report:", d.client_sees);
        advice(w, d, verbose);
    }
    w.line("");
}

void protocols(Writer& w, const probe::TargetResult& r) {
    w.line("{}", w.bold("Protocols"));
    for (auto v : core::all_versions) {
        const auto& vr = r.version(v);
        const auto word = fmt::format("{:<10}", support_word(vr));
        std::string painted = word;
        if (vr.supported == true) painted = core::is_legacy(v) ? w.warn(word) : w.good(word);
        w.line("  {:<8} {} {}", core::display_name(v), painted, outcome_phrase(vr));
    }
    if (const auto* all = r.probe(probe::AttemptKind::offer_all)) {
        const auto& o = all->observation;
        if (o.status == core::Status::negotiated)
            w.line("  {:<8} {} {}{}{}", "best",
                   fmt::format("{:<10}", o.version ? core::display_name(*o.version) : "?"),
                   o.cipher, o.group.empty() ? "" : fmt::format(", {}", o.group),
                   o.alpn.empty() ? "" : fmt::format(", ALPN {}", o.alpn));
        else w.line("  {:<8} {:<10} {}", "best", "failed", outcome_phrase(o));
    }
    w.line("");
}

void certificate(Writer& w, const x509::CertificateInfo& c, std::size_t index,
                 std::chrono::system_clock::time_point now) {
    const auto days = days_between(now, c.not_after);
    std::string validity = fmt::format("{} to {}", date_only(c.not_before), date_only(c.not_after));
    // append(), not += " " + ...: GCC 12 -O3 reports a false -Wrestrict on the temporary.
    if (days < 0) validity.append(" ").append(w.bad(fmt::format("(expired {} days ago)", -days)));
    else if (c.not_before > now) validity.append(" ").append(w.bad("(not valid yet)"));
    else validity += fmt::format(" ({} days left)", days);
    w.line("  #{} {}", index, w.bold(c.subject));
    w.line("     issuer     {}", c.issuer);
    w.line("     valid      {}", validity);
    std::vector<std::string> names = c.san_dns;
    names.insert(names.end(), c.san_ip.begin(), c.san_ip.end());
    if (!names.empty()) w.line("     names      {}", fmt::join(names, ", "));
    w.line("     key        {}, signed {}", key_description(c), c.signature_algorithm);
    if (!c.is_ca)
        w.line("     EKU        {}",
               c.eku ? fmt::format("{}", fmt::join(*c.eku, ", ")) : "(none: any purpose)");
    if (c.is_ca) w.line("     CA         yes{}", c.self_signed ? ", self-signed root" : "");
    w.line("     SHA-1      {}  (thumbprint for certutil / netsh certhash=)", c.sha1_hex);
    w.line("     SHA-256    {}", c.sha256_hex);
}

void chain(Writer& w, const probe::TargetResult& r) {
    if (!r.chain) {
        w.line("{}", w.bold("Certificate chain"));
        w.line("  no handshake completed, so no certificate was received");
        w.line("");
        return;
    }
    const auto& c = *r.chain;
    w.line("{} ({} served, from probe {}): {}", w.bold("Certificate chain"), c.certificates.size(),
           r.chain_source, c.trusted ? w.good("trusted") : w.bad("NOT trusted"));
    for (std::size_t i = 0; i < c.certificates.size(); ++i)
        certificate(w, c.certificates[i], i, r.started);
    if (!c.path.empty()) {
        std::vector<std::string> steps;
        for (const auto& e : c.path)
            steps.push_back(e.certificate ? fmt::format("#{} {}", *e.certificate + 1, e.subject)
                                          : fmt::format("{} (trust store)", e.subject));
        w.line("  path       {}", fmt::join(steps, "  ->  "));
    }
    if (c.verify_error)
        w.line("  verify     {} (OpenSSL error {})", c.verify_error_text, c.verify_error);
    w.line("  hostname   {}: {}", r.target.sni.value_or(r.target.host),
           c.hostname == x509::HostnameMatch::mismatch ? w.bad("does not match")
           : c.hostname == x509::HostnameMatch::match_cn_fallback
               ? w.bad("matches the CN only (no SAN; browsers reject it)")
               : std::string(x509::to_string(c.hostname)));
    if (!r.chain_differs.empty())
        w.line("  note       probes {} were served another chain",
               fmt::join(r.chain_differs, ", "));
    w.line("");
}

// Each check kind's own lines, under its title (probe/check.hpp); with --verbose also its
// table, one line per row: the status cell first, then the other cells that are not empty.
void checks(Writer& w, const probe::TargetResult& r, bool verbose) {
    for (const auto& c : r.checks) {
        const auto* kind = probe::find_check_kind(c->kind());
        w.line("{}", w.bold(kind ? std::string(kind->title()) : std::string(c->kind())));
        for (const auto& l : c->text()) w.line("  {}", l);
        if (const auto table = verbose ? c->table() : std::nullopt) {
            for (const auto& row : table->rows) {
                std::vector<std::string> cells;
                std::string status;
                for (std::size_t i = 0; i < row.cells.size(); ++i) {
                    if (i == table->status_column) status = row.cells[i];
                    else if (!row.cells[i].empty()) cells.push_back(row.cells[i]);
                }
                status = fmt::format("{:<4}", status);
                w.line("  {} {}",
                       row.status == probe::CheckTable::Status::fail   ? w.bad(status)
                       : row.status == probe::CheckTable::Status::ok ? w.good(status)
                                                                     : status,
                       fmt::join(cells, " · "));
            }
        }
        w.line("");
    }
}

void findings(Writer& w, const probe::TargetResult& r) {
    w.line("{}", w.bold("Findings"));
    if (r.findings.empty()) {
        w.line("  {}", w.good("none: the protocol set and the certificate chain look right"));
        return;
    }
    for (const auto& f : r.findings) {
        w.line("  {} {}  {}", severity_label(w, f.severity), f.id, f.title);
        if (!f.detail.empty()) w.line("           {}", f.detail);
    }
}

void probes(Writer& w, const probe::TargetResult& r, bool trace) {
    w.line("");
    w.line("{}", w.bold("Probes"));
    // Below 100 columns the labels move to a header line and the detail under the row.
    const bool wide = w.width() >= 100;
    if (!wide)
        w.line("  {:<10} {:<16} {:<9} {:>10} {:>10}", "probe", "status", "phase", "connect ms",
               "total ms");
    for (const auto& p : r.probes) {
        const auto& o = p.observation;
        if (!wide) {
            w.line("  {:<10} {:<16} {:<9} {:>10.1f} {:>10.1f}", p.spec.id,
                   core::to_string(o.status), core::to_string(o.phase), to_ms(o.connect_time),
                   to_ms(o.elapsed));
            if (!o.detail.empty()) w.line("{}", wrap(o.detail, w.width(), "             "));
        } else
            w.line("  {:<10} {:<16} phase {:<9} connect {:>7.1f} ms  total {:>7.1f} ms  {}",
                   p.spec.id, core::to_string(o.status), core::to_string(o.phase),
                   to_ms(o.connect_time), to_ms(o.elapsed), o.detail);
        if (!o.first_bytes.empty() && o.status != core::Status::negotiated)
            w.line("             first bytes: {}", core::hex_dump(o.first_bytes, 24));
        if (trace)
            for (const auto& e : o.trace) {
                const char* arrow = e.direction == core::TraceEvent::Direction::sent       ? "->"
                                    : e.direction == core::TraceEvent::Direction::received ? "<-"
                                                                                           : "  ";
                w.line("{}", wrap(e.summary, w.width(),
                                  fmt::format("             {:>8.1f} ms {} ", to_ms(e.at), arrow),
                                  "                            "));
            }
    }
}

}  // namespace

std::string render_text(const probe::TargetResult& result, const TextOptions& options) {
    Writer w(options.color, options.width);
    header(w, result);
    protocols(w, result);
    ciphers(w, result);
    chain(w, result);
    diagnosis(w, result, options.verbose);
    checks(w, result, options.verbose);
    findings(w, result);
    if (options.verbose || options.trace) probes(w, result, options.trace);
    return w.take();
}

}  // namespace tlsprobe::report
