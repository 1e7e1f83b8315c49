#include "report/markdown.hpp"

#include <fmt/format.h>

#include "report/format_util.hpp"

namespace tlsprobe::report {
namespace {

std::string_view badge(judge::CheckVerdict v) {
    switch (v) {
        case judge::CheckVerdict::pass: return "✅ PASS";
        case judge::CheckVerdict::fail: return "❌ FAIL";
        case judge::CheckVerdict::unreachable: return "⚠️ UNREACHABLE";
    }
    return "❌ FAIL";
}

std::string_view status_word(judge::RuleStatus s) {
    switch (s) {
        case judge::RuleStatus::pass: return "✅ pass";
        case judge::RuleStatus::fail: return "❌ fail";
        case judge::RuleStatus::not_applicable: return "➖ n/a";
    }
    return "";
}

}  // namespace

std::string markdown_cell(std::string_view text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '|': out += "\\|"; break;
            case '\n':
            case '\r': out += ' '; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '&': out += "&amp;"; break;
            case '[':
            case ']':
            case '*':
            case '_':
            case '`':
            case '\\':
                out += '\\';
                out += c;
                break;
            default: out += c;
        }
    }
    return out;
}

std::string render_markdown(const judge::CheckReport& report) {
    std::string md;
    md += fmt::format("## tlsprobe check: {}\n\n", badge(report.verdict));
    md += fmt::format(
        "Policy **{}**{} · {} target(s){}\n\n", markdown_cell(report.policy.name),
        report.policy.description.empty() ? "" : " — " + markdown_cell(report.policy.description),
        report.targets.size(), report.strict ? " · strict (n/a counts as a failure)" : "");
    md += "| target | verdict | pass | fail | n/a |\n|---|---|---:|---:|---:|\n";
    for (const auto& t : report.targets) {
        md += fmt::format("| {} | {} | {} | {} | {} |\n", markdown_cell(t.result.target.display()),
                          badge(t.verdict), t.counts.pass, t.counts.fail, t.counts.not_applicable);
    }
    for (const auto& t : report.targets) {
        const auto& r = t.result;
        md += fmt::format("\n### {} — {}\n\n", markdown_cell(r.target.display()), badge(t.verdict));
        md += fmt::format(
            "Probed {} at {}{}.\n\n", markdown_cell(r.address.empty() ? "-" : r.address),
            iso8601(r.started),
            r.chain && r.chain->leaf_certificate()
                ? fmt::format(", leaf SHA-1 thumbprint `{}`", r.chain->leaf_certificate()->sha1_hex)
                : "");
        if (r.verdict == probe::TargetVerdict::unreachable)
            md += "**The target could not be reached**: no rule could be checked.\n\n";
        md += "| rule | status | expected | actual |\n|---|---|---|---|\n";
        for (const auto& rule : t.rules)
            md += fmt::format("| `{}` | {} | {} | {} |\n", rule.id, status_word(rule.status),
                              markdown_cell(rule.expected), markdown_cell(rule.actual));
        bool heading = false;
        for (const auto& rule : t.rules) {
            if (rule.status != judge::RuleStatus::fail || rule.evidence.empty()) continue;
            if (!heading) md += "\n**Evidence for the failures**\n\n";
            heading = true;
            md += fmt::format("- `{}`\n", rule.id);
            for (const auto& e : rule.evidence) md += fmt::format("  - {}\n", markdown_cell(e));
        }
        if (!r.diagnosis.empty()) {
            md += "\n**Diagnosis**\n\n";
            for (const auto& d : r.diagnosis) {
                md += fmt::format("- **{}** ({} confidence): {}\n", markdown_cell(d.id),
                                  to_string(d.confidence), markdown_cell(d.summary));
                for (const auto& f : d.fix) md += fmt::format("  - fix: {}\n", markdown_cell(f));
            }
        }
    }
    return md;
}

}  // namespace tlsprobe::report
