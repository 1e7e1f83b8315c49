#include "report/html.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "judge/verdict.hpp"
#include "report/format_util.hpp"
#include "report/xml_writer.hpp"

namespace tlsprobe::report {

namespace {

std::string h(std::string_view text) { return escape_xml(text); }

// Escaped, with a line-break opportunity (<wbr>) after each '_', '.', '/', ':' and ',':
// cipher-suite names, host names and addresses wrap at their separators on a narrow screen
// instead of overflowing or breaking inside a word.
std::string breakable(std::string_view text) {
    std::string out;
    std::size_t from = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if ((c == '_' || c == '.' || c == '/' || c == ':' || c == ',') && i + 1 < text.size()) {
            out += h(text.substr(from, i + 1 - from)) + "<wbr>";
            from = i + 1;
        }
    }
    return out + h(text.substr(from));
}

// A command to copy: escaped, with a break opportunity after each backslash and '/' of its paths
// (<wbr> adds no character, so a copy-paste gives the command as it is).
std::string command(std::string_view text) {
    std::string out;
    std::size_t from = 0;
    for (std::size_t i = 0; i + 1 < text.size(); ++i)
        if (text[i] == '\\' || text[i] == '/') {
            out += h(text.substr(from, i + 1 - from)) + "<wbr>";
            from = i + 1;
        }
    return out + h(text.substr(from));
}

// Hex (fingerprints) in groups of 8 with a break opportunity between them.
std::string breakable_hex(std::string_view hex) {
    std::string out;
    for (std::size_t i = 0; i < hex.size(); i += 8) {
        if (i > 0) out += "<wbr>";
        out += h(hex.substr(i, 8));
    }
    return out;
}

// No scripts, no external anything: inline styles only, images only as data: URIs.
constexpr std::string_view kCsp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

constexpr std::string_view kStyle = R"css(
:root{--ok:#1a7f37;--ok-bg:#dafbe1;--bad:#cf222e;--bad-bg:#ffebe9;--warn:#9a6700;--warn-bg:#fff8c5;
--na:#57606a;--na-bg:#eaeef2;--line:#d0d7de;--fg:#1f2328}
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:#f6f8fa}
main{max-width:64rem;margin:0 auto;padding:1rem}
header.verdict{padding:1rem 1.25rem;border-radius:.5rem;margin-bottom:1rem;border:2px solid}
header.verdict h1{margin:0;font-size:1.8rem;letter-spacing:.02em}
header.verdict p{margin:.25rem 0 0}
.pass{color:var(--ok);background:var(--ok-bg);border-color:var(--ok)}
.fail{color:var(--bad);background:var(--bad-bg);border-color:var(--bad)}
.warn{color:var(--warn);background:var(--warn-bg);border-color:var(--warn)}
.na{color:var(--na);background:var(--na-bg);border-color:var(--line)}
section.target{background:#fff;border:1px solid var(--line);border-radius:.5rem;padding:1rem;margin-bottom:1rem}
h2{margin:.1rem 0 .5rem;font-size:1.3rem;overflow-wrap:break-word}
h3{margin:1.2rem 0 .5rem;font-size:1.05rem}
.badge{display:inline-block;white-space:nowrap;font-size:.8rem;font-weight:600;padding:.1rem .5rem;border-radius:1rem;border:1px solid;vertical-align:middle}
p.badge{white-space:normal}
.meta{color:var(--na);font-size:.9rem;overflow-wrap:break-word}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
td.token{overflow-wrap:break-word}
td.n{white-space:nowrap;text-align:right}
td ul{margin:.25rem 0 0;padding-left:1.1rem}
.matrix{display:grid;grid-template-columns:repeat(auto-fit,minmax(8.5rem,1fr));gap:.4rem}
.cell{border:1px solid;border-radius:.4rem;padding:.45rem .55rem;min-width:0}
.cell b{display:block}
.cell span{display:block;font-size:.8rem;overflow-wrap:break-word}
.chain{display:flex;flex-direction:column;align-items:stretch;max-width:40rem}
.cert{border:2px solid var(--ok);border-radius:.5rem;padding:.5rem .7rem;background:#fff}
.cert.problem{border-color:var(--bad);background:var(--bad-bg)}
.cert.missing{border-style:dashed;border-color:var(--bad);background:var(--bad-bg)}
.cert.anchor{border-color:var(--ok);background:var(--ok-bg)}
.cert.extra{border-color:var(--na);background:var(--na-bg)}
.cert .role{font-size:.75rem;text-transform:uppercase;letter-spacing:.05em;color:var(--na)}
.cert .subject{font-weight:600;overflow-wrap:break-word}
.cert .facts{font-size:.82rem;color:var(--na);overflow-wrap:break-word}
.cert ul{margin:.3rem 0 0;padding-left:1.1rem;color:var(--bad);font-size:.85rem}
.arrow{align-self:center;color:var(--na);font-size:.8rem;padding:.15rem 0}
.sev-critical,.sev-high,.str-insecure{color:var(--bad)}.sev-medium,.str-weak{color:var(--warn)}.sev-low,.sev-info{color:var(--na)}
.str-insecure{font-weight:600}
.diag{border-left:4px solid var(--warn);padding:.25rem .75rem;margin:.5rem 0;background:#fffdf0;overflow-wrap:break-word}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem}
pre{background:var(--na-bg);padding:.5rem;border-radius:.3rem;white-space:pre-wrap;overflow-wrap:normal;overflow-x:auto;margin:.25rem 0}
details summary{cursor:pointer;color:var(--na);font-size:.85rem}
@media (max-width:37.5rem){main{padding:.5rem}section.target{padding:.75rem}
header.verdict{padding:.75rem}header.verdict h1{font-size:1.4rem}th,td{padding:.3rem}
table.cards thead{display:none}
table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:100%}
table.cards tr{border-bottom:1px solid var(--line);padding:.4rem 0}
table.cards td{border:0;padding:.1rem 0 .1rem 6.5rem;position:relative;min-height:1.4rem;text-align:left}
table.cards td::before{content:attr(data-label);position:absolute;left:0;width:6rem;font-size:.75rem;
text-transform:uppercase;letter-spacing:.04em;color:var(--na);padding-top:.15rem}
table.ciphers th:first-child,table.ciphers td:first-child{display:none}}
)css";

struct Page {
    std::string verdict_word;   // "PASS"
    std::string verdict_class;  // "pass" | "fail" | "warn"
    std::string summary;        // escaped HTML
    std::string title;
};

std::string list(const std::vector<std::string>& items) {
    if (items.empty()) return "";
    std::string out = "<ul>";
    for (const auto& i : items) out += "<li>" + h(i) + "</li>";
    return out + "</ul>";
}

// The same with the long tokens of evidence (suite names, addresses) breakable.
std::string breakable_list(const std::vector<std::string>& items) {
    if (items.empty()) return "";
    std::string out = "<ul>";
    for (const auto& i : items) out += "<li>" + breakable(i) + "</li>";
    return out + "</ul>";
}

std::string verdict_class(judge::CheckVerdict v) {
    return v == judge::CheckVerdict::pass   ? "pass"
           : v == judge::CheckVerdict::fail ? "fail"
                                            : "warn";
}

std::string status_class(judge::RuleStatus s) {
    return s == judge::RuleStatus::pass ? "pass" : s == judge::RuleStatus::fail ? "fail" : "na";
}

std::string rules_table(const std::vector<judge::RuleResult>& rules) {
    std::string out =
        "<h3>Policy rules</h3><table "
        "class=\"rules cards\"><thead><tr><th>rule</th><th>status</th>"
        "<th>expected</th><th>actual and evidence</th></tr></thead><tbody>";
    for (const auto& r : rules) {
        const auto word = r.status == judge::RuleStatus::not_applicable
                              ? std::string("n/a")
                              : std::string(to_string(r.status));
        // Failures show their evidence; for the rest it is one tap away (<details>, no script).
        const auto evidence =
            r.evidence.empty() || r.status == judge::RuleStatus::fail
                ? breakable_list(r.evidence)
                : fmt::format("<details><summary>evidence ({})</summary>{}</details>",
                              r.evidence.size(), breakable_list(r.evidence));
        out += fmt::format(
            "<tr><td data-label=\"rule\"><code>{}</code><br>{}</td><td "
            "data-label=\"status\"><span class=\"badge {}\">{}</span></td><td "
            "data-label=\"expected\" class=\"token\">{}</td><td data-label=\"actual\" "
            "class=\"token\">{}{}</td></tr>",
            h(r.id), h(r.title), status_class(r.status), word, breakable(r.expected),
            breakable(r.actual), evidence);
    }
    return out + "</tbody></table>";
}

// A policy check colours each version by what the policy concluded about it (judge::finish()
// stored it); a plain probe by whether the version is a legacy one.
std::string matrix(const probe::TargetResult& r,
                   const std::vector<judge::VersionConclusion>* policy) {
    std::string out = "<h3>Protocol versions</h3><div class=\"matrix\">";
    for (const auto& v : r.versions) {
        std::string cls = "na", word = support_word(v);
        if (policy) {
            if (v.supported == true) word = "accepted";
            else if (v.supported == false) word = "refused";
            const auto it =
                std::find_if(policy->begin(), policy->end(),
                             [&](const judge::VersionConclusion& c) { return c.version == v.version; });
            std::string verdict = "no policy rule";
            if (it != policy->end() && !it->rules.empty()) {
                cls = status_class(it->status);
                verdict = fmt::format("{} {}",
                                      it->status == judge::RuleStatus::fail   ? "fails"
                                      : it->status == judge::RuleStatus::pass ? "meets"
                                                                              : "n/a:",
                                      fmt::join(it->rules, ", "));
            }
            const auto detail = v.supported == true ? v.cipher : outcome_phrase(v);
            out += fmt::format(
                "<div class=\"cell {}\"><b>{}</b><span>{}</span><span>{}</span><span>{}</span></div>",
                cls, h(core::display_name(v.version)), h(word), breakable(verdict),
                breakable(detail));
            continue;
        }
        if (v.supported == true) {
            cls = core::is_legacy(v.version) ? "fail" : "pass";
            word = core::is_legacy(v.version) ? "accepted (legacy)" : "accepted";
        } else if (v.supported == false) {
            cls = core::is_legacy(v.version) ? "pass" : "warn";
            word = "refused";
        }
        const auto detail = v.supported == true ? v.cipher : outcome_phrase(v);
        out += fmt::format("<div class=\"cell {}\"><b>{}</b><span>{}</span><span>{}</span></div>",
                           cls, h(core::display_name(v.version)), h(word), breakable(detail));
    }
    return out + "</div>";
}

// The accepted suites per enumerated version, as the text report lists them (the stored
// enumeration: code, name, the registry's strength, forward secrecy and the key exchange).
// A compact table even on a phone (the code column hidden there): one line per suite.
std::string cipher_tables(const probe::TargetResult& r) {
    std::string out;
    for (auto v : core::all_versions) {
        const auto& vr = r.version(v);
        if (!vr.ciphers_enumerated || vr.ciphers.empty()) continue;
        const std::string order = vr.server_preference == true ? "server's order"
                                  : vr.server_preference == false
                                      ? "client's order (no server preference)"
                                      : "order not determined";
        out += fmt::format(
            "<h3>Cipher suites · {}</h3><p class=\"meta\">{} accepted, {}</p><table "
            "class=\"ciphers\"><thead><tr><th>code</th><th>suite</th><th>strength</th>"
            "<th>key exchange</th></tr></thead><tbody>",
            h(core::display_name(v)), vr.ciphers.size(), h(order));
        for (const auto& c : vr.ciphers) {
            std::string kex = c.forward_secrecy ? "forward secrecy" : "no forward secrecy";
            if (c.dh_bits) kex += fmt::format(", DH {} bits", *c.dh_bits);
            else if (!c.group.empty()) kex += ", " + c.group;
            out += fmt::format(
                "<tr><td data-label=\"code\"><code>0x{:04X}</code></td><td data-label=\"suite\" "
                "class=\"token\"><code>{}</code></td><td data-label=\"strength\" "
                "class=\"str-{}\">{}</td><td data-label=\"key exchange\" "
                "class=\"token\">{}</td></tr>",
                c.code, breakable(c.name), h(wire::to_string(c.strength)),
                h(wire::to_string(c.strength)), breakable(kex));
        }
        out += "</tbody></table>";
        if (!vr.groups.empty())
            out += fmt::format("<p class=\"meta\">groups{}: {}</p>",
                               vr.group_server_preference == true    ? " (server's order)"
                               : vr.group_server_preference == false ? " (client's order)"
                                                                     : "",
                               breakable(fmt::format("{}", fmt::join(vr.groups, ", "))));
        for (const auto& e : vr.enumeration_errors)
            out += fmt::format("<p class=\"badge warn\">incomplete: {}</p>", h(e));
    }
    return out;
}

std::string cert_box(const x509::CertificateInfo& c, std::string_view role,
                     std::string_view extra_class, const std::vector<std::string>& problems,
                     std::chrono::system_clock::time_point now) {
    std::string facts = fmt::format(
        "issued by {}<br>valid {} to {} ({} days left) · {} · {}<br>SHA-1 <code>{}</code>",
        h(c.issuer), h(date_only(c.not_before)), h(date_only(c.not_after)),
        days_between(now, c.not_after), h(key_description(c)), h(c.signature_algorithm),
        breakable_hex(c.sha1_hex));
    if (!c.san_dns.empty() || !c.san_ip.empty()) {
        std::vector<std::string> san = c.san_dns;
        san.insert(san.end(), c.san_ip.begin(), c.san_ip.end());
        facts += fmt::format("<br>SAN {}", breakable(fmt::format("{}", fmt::join(san, ", "))));
    }
    const auto cls = problems.empty() ? std::string(extra_class) : std::string("problem");
    return fmt::format(
        "<div class=\"cert {}\"><div class=\"role\">{}</div><div class=\"subject\">{}</div><div "
        "class=\"facts\">{}</div>{}</div>",
        cls, h(role), h(c.subject), facts, list(problems));
}

// The chain from leaf to root as boxes, in the order OpenSSL built the path (served
// certificates by index, the anchor from the trust store by subject), then a dashed box for a
// missing issuer, then what the server sent that is not on the path.
std::string chain_picture(const probe::TargetResult& r) {
    std::string out = "<h3>Certificate chain</h3>";
    if (!r.chain || r.chain->certificates.empty())
        return out + "<p class=\"meta\">No certificate was received.</p>";
    const auto& c = *r.chain;
    const auto now = r.started;
    auto problems_of = [&](std::optional<std::size_t> index) {
        std::vector<std::string> out_problems;
        for (const auto& p : c.problems)
            if (p.certificate == index && p.kind != x509::ChainProblemKind::root_sent)
                out_problems.push_back(fmt::format("{}: {}", x509::to_string(p.kind), p.detail));
        return out_problems;
    };
    auto on_path = [&](std::size_t index) {
        return std::any_of(c.path.begin(), c.path.end(),
                           [&](const x509::PathElement& e) { return e.certificate == index; });
    };
    out += fmt::format(
        "<p class=\"meta\">Served order: {} certificate(s){}. Arrows read \"is signed "
        "by\".</p><div class=\"chain\">",
        c.certificates.size(), c.intended_leaf ? ", leaf not first" : "");
    for (std::size_t i = 0; i < c.path.size(); ++i) {
        const auto& e = c.path[i];
        if (i > 0) out += "<div class=\"arrow\">&#8595; signed by</div>";
        if (e.from_trust_store()) {
            out += fmt::format(
                "<div class=\"cert {}\"><div class=\"role\">{} · from the trust store</div><div "
                "class=\"subject\">{}</div>{}</div>",
                c.has(x509::ChainProblemKind::untrusted_root) ? "problem" : "anchor",
                i + 1 == c.path.size() ? "root" : "intermediate", h(e.subject),
                c.has(x509::ChainProblemKind::untrusted_root) ? "<ul><li>not trusted</li></ul>"
                                                              : "");
            continue;
        }
        const auto idx = *e.certificate;
        const auto& cert = c.certificates[idx];
        const auto role = i == 0 ? fmt::format("leaf · served #{}", idx + 1)
                                 : fmt::format("{} · served #{}",
                                               cert.self_signed ? "root" : "intermediate", idx + 1);
        out += cert_box(cert, role, cert.self_signed && c.trusted ? "anchor" : "", problems_of(idx),
                        now);
    }
    // The path stops at a served certificate that is not a root: its issuer was not found.
    if (!c.path.empty() && c.path.back().certificate &&
        !c.certificates[*c.path.back().certificate].self_signed) {
        const auto& top = c.certificates[*c.path.back().certificate];
        out += "<div class=\"arrow\">&#8595; signed by</div>";
        if (c.has(x509::ChainProblemKind::missing_intermediate))
            out += fmt::format(
                "<div class=\"cert missing\"><div class=\"role\">missing intermediate</div><div "
                "class=\"subject\">{}</div>"
                "<ul><li>not served by the server and not in the trust store: the server must send "
                "it</li></ul></div>",
                h(top.issuer));
        else
            out += fmt::format(
                "<div class=\"cert problem\"><div class=\"role\">issuer</div><div "
                "class=\"subject\">{}</div>"
                "<ul><li>{}</li></ul></div>",
                h(top.issuer), h(c.verify_error_text.empty() ? "not found" : c.verify_error_text));
    }
    for (std::size_t i = 0; i < c.certificates.size(); ++i)
        if (!on_path(i))
            out += cert_box(c.certificates[i], fmt::format("not on the path · served #{}", i + 1),
                            "extra", problems_of(i), now);
    out += "</div>";
    const auto general = problems_of(std::nullopt);
    if (!general.empty())
        out +=
            "<div class=\"cert problem\" style=\"margin-top:.5rem\"><div class=\"role\">chain "
            "problems</div>" +
            list(general) + "</div>";
    out += fmt::format("<p class=\"meta\">Trust: {}{}. Host name: {}.</p>",
                       c.trusted ? "trusted" : "not trusted",
                       c.trusted ? "" : h(fmt::format(" ({})", c.verify_error_text)),
                       h(x509::to_string(c.hostname)));
    return out;
}

std::string findings(const probe::TargetResult& r) {
    std::string out = "<h3>Findings</h3>";
    if (r.findings.empty()) return out + "<p class=\"meta\">None.</p>";
    out +=
        "<table class=\"findings "
        "cards\"><thead><tr><th>severity</th><th>finding</th><th>detail</th></tr></thead><tbody>";
    for (const auto& f : r.findings)
        out += fmt::format(
            "<tr><td data-label=\"severity\" class=\"sev-{0}\"><b>{0}</b></td><td "
            "data-label=\"finding\"><code>{1}</code><br>{2}</td><td data-label=\"detail\" "
            "class=\"token\">{3}</td></tr>",
            h(to_string(f.severity)), h(f.id), h(f.title), breakable(f.detail));
    return out + "</tbody></table>";
}

// A check's table (probe::CheckTable) as the check ordered it: cards on a phone, the status
// cell a coloured badge, the row marked by its status.
std::string check_table(const probe::CheckTable& t, std::string_view kind) {
    std::string out =
        t.caption.empty() ? std::string() : fmt::format("<p class=\"meta\">{}</p>", h(t.caption));
    out += fmt::format("<table class=\"check check-{} cards\"><thead><tr>", h(kind));
    for (const auto& head : t.headers) out += "<th>" + h(head) + "</th>";
    out += "</tr></thead><tbody>";
    for (const auto& row : t.rows) {
        const std::string_view cls = row.status == probe::CheckTable::Status::ok     ? "pass"
                                     : row.status == probe::CheckTable::Status::fail ? "fail"
                                                                                     : "na";
        out += fmt::format("<tr class=\"row-{}\">", cls);
        for (std::size_t i = 0; i < row.cells.size(); ++i) {
            const auto label = i < t.headers.size() ? h(t.headers[i]) : std::string();
            const auto& cell = row.cells[i];
            if (i == t.status_column && row.status != probe::CheckTable::Status::none)
                out += fmt::format(
                    "<td data-label=\"{}\"><span class=\"badge {}\">{}</span></td>", label,
                    cls, h(cell));
            else
                out += fmt::format("<td data-label=\"{}\" class=\"token\">{}</td>", label,
                                   breakable(cell));
        }
        out += "</tr>";
    }
    return out + "</tbody></table>";
}

// Each check kind's lines under its title (probe/check.hpp): the same hook the text report
// uses; a kind with a table (the client grid) shows the table instead.
std::string checks(const probe::TargetResult& r) {
    std::string out;
    for (const auto& c : r.checks) {
        const auto* kind = probe::find_check_kind(c->kind());
        out += fmt::format("<h3>{}</h3>", h(kind ? kind->title() : c->kind()));
        if (const auto table = c->table()) out += check_table(*table, c->kind());
        else out += breakable_list(c->text());  // suite names, hosts, URLs in the check lines
    }
    return out;
}

std::string diagnosis(const probe::TargetResult& r) {
    if (r.diagnosis.empty()) return "";
    std::string out = "<h3>Diagnosis and fixes</h3>";
    for (const auto& d : r.diagnosis) {
        out += fmt::format(
            "<div class=\"diag\"><b>{}</b> <span class=\"badge na\">{} "
            "confidence</span>{}<p>{}</p>",
            h(d.id), h(to_string(d.confidence)),
            d.scenarios.empty() ? ""
                                : fmt::format(" <span class=\"meta\">scenario {}</span>",
                                              h(fmt::format("{}", fmt::join(d.scenarios, ", ")))),
            h(d.summary));
        if (!d.evidence.empty()) out += "<b>Evidence</b>" + list(d.evidence);
        if (!d.client_sees.empty()) out += "<b>What clients show</b>" + list(d.client_sees);
        // The detected platform's steps (or the generic ones), then one folded <details> per
        // other platform.
        const std::string on = d.advice.empty() || d.advice.front().platform == "generic"
                                   ? ""
                                   : " (" + h(d.advice.front().name) + ")";
        if (!d.confirm.empty()) {
            out += "<b>Confirm on the server" + on + "</b>";
            for (const auto& c : d.confirm) out += "<pre>" + command(c) + "</pre>";
        }
        if (!d.fix.empty()) {
            out += "<b>Fix" + on + "</b>";
            for (const auto& f : d.fix) out += "<pre>" + command(f) + "</pre>";
        }
        for (std::size_t i = 1; i < d.advice.size(); ++i) {
            const auto& a = d.advice[i];
            out +=
                fmt::format("<details class=\"advice\" data-platform=\"{}\"><summary>{}</summary>",
                            h(a.platform), h(a.name));
            if (!a.confirm.empty()) {
                out += "<b>Confirm</b>";
                for (const auto& c : a.confirm) out += "<pre>" + command(c) + "</pre>";
            }
            if (!a.fix.empty()) {
                out += "<b>Fix</b>";
                for (const auto& f : a.fix) out += "<pre>" + command(f) + "</pre>";
            }
            out += "</details>";
        }
        out += "</div>";
    }
    return out;
}

std::string target_section(const probe::TargetResult& r, const judge::TargetCheck* check,
                           std::string_view badge_class, std::string_view badge_word) {
    std::string out =
        fmt::format("<section class=\"target\"><h2>{} <span class=\"badge {}\">{}</span></h2>",
                    breakable(r.target.display()), badge_class, h(badge_word));
    out += fmt::format("<p class=\"meta\">address {} · SNI {} · probed {} · {:.0f} ms</p>",
                       breakable(r.address.empty() ? "-" : r.address),
                       breakable(r.target.sni.value_or("(none)")),
                       h(iso8601(r.started)), to_ms(r.duration));
    if (r.verdict == probe::TargetVerdict::unreachable)
        out +=
            "<p class=\"badge warn\">The target could not be reached: nothing below could be "
            "checked.</p>";
    if (r.diagnosed)
        out += fmt::format(
            "<p class=\"meta\">server platform: {}{}</p>", h(platform_phrase(r.platform)),
            r.platform.evidence.empty()
                ? ""
                : " — " + h(fmt::format("{}", fmt::join(r.platform.evidence, "; "))));
    if (check) out += rules_table(check->rules);
    out += matrix(r, check ? &check->versions : nullptr) + cipher_tables(r) + chain_picture(r) +
           checks(r) + findings(r) + diagnosis(r);
    return out + "</section>";
}

std::string page(const Page& p, const std::string& body) {
    return fmt::format(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">"
        "<title>{}</title><style>{}</style></head><body><main>"
        "<header class=\"verdict {}\"><h1 id=\"verdict\">{}</h1><p>{}</p></header>{}"
        "<p class=\"meta\">Generated by tlsprobe. Self-contained: no scripts, no external "
        "resources.</p>"
        "</main></body></html>\n",
        kCsp, h(p.title), kStyle, p.verdict_class, h(p.verdict_word), p.summary, body);
}

}  // namespace

std::string render_html(const probe::TargetResult& r) {
    Page p;
    p.title = "tlsprobe: " + r.target.display();
    switch (r.verdict) {
        case probe::TargetVerdict::unreachable:
            p.verdict_word = "UNREACHABLE";
            p.verdict_class = "warn";
            break;
        case probe::TargetVerdict::no_tls:
            p.verdict_word = "NO TLS";
            p.verdict_class = "fail";
            break;
        case probe::TargetVerdict::fail:
            p.verdict_word = "PROBLEMS FOUND";
            p.verdict_class = "fail";
            break;
        case probe::TargetVerdict::ok:
        case probe::TargetVerdict::warn:
            p.verdict_word = "OK";
            p.verdict_class = "pass";
            break;
    }
    p.summary = h(r.summary);  // the same paragraph that opens the text report
    return page(p, target_section(r, nullptr, p.verdict_class, p.verdict_word));
}

std::string render_html(const judge::CheckReport& report) {
    Page p;
    p.title = "tlsprobe check: " + report.policy.name;
    const auto overall = report.verdict;
    p.verdict_word = overall == judge::CheckVerdict::pass          ? "PASS"
                     : overall == judge::CheckVerdict::unreachable ? "UNREACHABLE"
                                                                   : "FAIL";
    p.verdict_class = verdict_class(overall);
    std::size_t failed_rules = 0, failed_targets = 0;
    for (const auto& t : report.targets) {
        failed_rules += t.counts.fail;
        failed_targets += t.verdict != judge::CheckVerdict::pass ? 1 : 0;
    }
    p.summary = h(fmt::format("policy {} ({}) · {} target(s), {} not passing · {} failed rule(s){}",
                              report.policy.name, report.policy_source, report.targets.size(),
                              failed_targets, failed_rules, report.strict ? " · strict" : ""));
    std::string body;
    for (const auto& t : report.targets) {
        body += target_section(t.result, &t, verdict_class(t.verdict),
                               std::string(to_string(t.verdict)));
    }
    return page(p, body);
}

std::string render_html(const ScanSummary& summary) {
    Page p;
    p.title = "tlsprobe scan";
    const auto failing = summary.targets() - summary.count(scan::ScanVerdict::ok) -
                         summary.count(scan::ScanVerdict::warn);
    p.verdict_word = summary.targets() == 0 ? "NO TARGETS"
                     : failing == 0         ? "ALL OK"
                                    : fmt::format("{} OF {} NEED WORK", failing, summary.targets());
    p.verdict_class = failing == 0 && summary.targets() > 0 ? "pass" : "fail";
    p.summary = h(fmt::format(
        "{} target(s) scanned in {:.1f} s{}{}", summary.targets(), summary.elapsed.count(),
        summary.input_errors() ? fmt::format(" · {} bad input line(s)", summary.input_errors())
                               : "",
        summary.stopped ? fmt::format(" · stopped early, {} not started", summary.not_started)
                        : ""));
    auto counts = [](std::string_view heading,
                     const std::vector<std::pair<std::string, std::size_t>>& rows) {
        std::string out = fmt::format("<h3>{}</h3><table class=\"counts\"><tbody>", h(heading));
        for (const auto& [name, n] : rows)
            out += fmt::format("<tr><td class=\"token\">{}</td><td class=\"n\">{}</td></tr>",
                               h(name), n);
        return out + "</tbody></table>";
    };
    std::vector<std::pair<std::string, std::size_t>> verdicts;
    for (auto v : {scan::ScanVerdict::ok, scan::ScanVerdict::warn, scan::ScanVerdict::fail,
                   scan::ScanVerdict::no_tls, scan::ScanVerdict::unreachable,
                   scan::ScanVerdict::timeout, scan::ScanVerdict::error})
        if (summary.count(v)) verdicts.emplace_back(std::string(to_string(v)), summary.count(v));
    std::string body = "<section class=\"target\">" + counts("Verdicts", verdicts);
    std::string grid = "<h3>Protocol support (targets)</h3><div class=\"matrix\">";
    for (auto v : core::all_versions) {
        const auto& c = summary.versions()[static_cast<std::size_t>(v)];
        const bool bad = core::is_legacy(v) ? c.yes > 0 : false;
        grid += fmt::format(
            "<div class=\"cell {}\"><b>{}</b><span>yes {} · no {} · unknown {}</span></div>",
            bad ? "fail" : "na", h(core::display_name(v)), c.yes, c.no, c.unknown);
    }
    body += grid + "</div>";
    body += counts("Diagnosis (targets)", {summary.diagnoses().begin(), summary.diagnoses().end()});
    body += counts("Findings (targets)", {summary.findings().begin(), summary.findings().end()});
    std::string worst =
        "<h3>Worst targets</h3><table class=\"worst "
        "cards\"><thead><tr><th>line</th><th>target</th><th>verdict</th><th>why</th></tr></"
        "thead><tbody>";
    for (const auto& w : summary.worst())
        worst += fmt::format(
            "<tr><td data-label=\"line\">{}</td><td data-label=\"target\" "
            "class=\"token\">{}</td><td data-label=\"verdict\">{}</td><td data-label=\"why\" "
            "class=\"token\">{}</td></tr>",
            w.line, breakable(w.key), h(to_string(w.verdict)), breakable(w.reason));
    body += worst + "</tbody></table></section>";
    return page(p, body);
}

std::string render_html_page(std::string_view title, std::string_view verdict_word,
                             std::string_view verdict_class, std::string_view summary_html,
                             std::string_view body_html) {
    Page p;
    p.title = std::string(title);
    p.verdict_word = std::string(verdict_word);
    p.verdict_class = std::string(verdict_class);
    p.summary = std::string(summary_html);
    return page(p, std::string(body_html));
}

}  // namespace tlsprobe::report
