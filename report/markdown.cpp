#include "report/markdown.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "probe/check.hpp"
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

namespace {

bool needs_code_span(std::string_view word) {
    return word.find_first_of("_*`<>&[]\\|~") != std::string_view::npos ||
           word.find("://") != std::string_view::npos || word.starts_with("www.");
}

std::string code_span(std::string_view text, bool in_table) {
    std::size_t longest = 0, run = 0;
    for (char c : text) {
        run = c == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    const std::string fence(longest + 1, '`');
    // A span starting or ending with a backtick needs a space inside the fence.
    const bool pad = !text.empty() && (text.front() == '`' || text.back() == '`');
    std::string out = fence + (pad ? " " : "");
    for (char c : text) {
        if (c == '|' && in_table) out += "\\|";
        else out += c;
    }
    return out + (pad ? " " : "") + fence;
}

std::string inline_text(std::string_view text, bool in_table) {
    std::string flat(text);
    std::replace(flat.begin(), flat.end(), '\n', ' ');
    std::replace(flat.begin(), flat.end(), '\r', ' ');
    std::string out;
    std::size_t pos = 0;
    while (pos <= flat.size()) {
        auto end = flat.find(' ', pos);
        if (end == std::string::npos) end = flat.size();
        const std::string_view word(flat.data() + pos, end - pos);
        if (pos > 0) out += ' ';
        out += needs_code_span(word) ? code_span(word, in_table) : std::string(word);
        pos = end + 1;
    }
    return out;
}

// A step of advice: its commands whole in code spans, its prose as markdown_text().
std::string advice_text(std::string_view step) {
    std::string out;
    for (const auto& part : split_advice_step(step)) {
        if (!part.command) {
            // keep the spaces around the prose: they separate it from the commands
            const auto lead = part.text.find_first_not_of(' ');
            if (lead == std::string::npos) {
                out += part.text;
                continue;
            }
            const auto last = part.text.find_last_not_of(' ');
            out += part.text.substr(0, lead);
            out += inline_text(std::string_view(part.text).substr(lead, last - lead + 1), false);
            out += part.text.substr(last + 1);
        } else {
            out += code_span(part.text, false);
        }
    }
    return out;
}

// The tables of the check kinds that have one (probe::CheckTable: the client grid), each
// under its title, rows in the check's order, the status cell marked.
std::string check_tables(const probe::TargetResult& r) {
    std::string md;
    for (const auto& c : r.checks) {
        const auto table = c->table();
        if (!table || table->headers.empty()) continue;
        const auto* kind = probe::find_check_kind(c->kind());
        md += fmt::format("\n**{}**\n\n", inline_text(kind ? kind->title() : c->kind(), false));
        if (!table->caption.empty()) md += inline_text(table->caption, false) + "\n\n";
        std::string head = "|", rule = "|";
        for (const auto& h : table->headers) {
            head += " " + inline_text(h, true) + " |";
            rule += "---|";
        }
        md += head + "\n" + rule + "\n";
        for (const auto& row : table->rows) {
            md += "|";
            for (std::size_t i = 0; i < table->headers.size(); ++i) {
                const auto cell = i < row.cells.size() ? inline_text(row.cells[i], true) : "";
                const std::string_view mark =
                    i != table->status_column                          ? ""
                    : row.status == probe::CheckTable::Status::ok   ? "✅ "
                    : row.status == probe::CheckTable::Status::fail ? "❌ "
                                                                    : "";
                md += cell.empty() && mark.empty() ? std::string(" |")
                                                   : fmt::format(" {}{} |", mark, cell);
            }
            md += "\n";
        }
    }
    return md;
}

}  // namespace

std::string markdown_text(std::string_view text) { return inline_text(text, false); }
std::string markdown_cell(std::string_view text) { return inline_text(text, true); }
std::string markdown_code(std::string_view text) { return code_span(text, false); }

std::string render_markdown(const judge::CheckReport& report) {
    std::string md;
    md += fmt::format("## tlsprobe check: {}\n\n", badge(report.verdict));
    md += fmt::format(
        "Policy **{}**{} · {} target(s){}\n\n", markdown_text(report.policy.name),
        report.policy.description.empty() ? "" : " — " + markdown_text(report.policy.description),
        report.targets.size(), report.strict ? " · strict (n/a counts as a failure)" : "");
    md += "| target | verdict | pass | fail | n/a |\n|---|---|---:|---:|---:|\n";
    for (const auto& t : report.targets) {
        md += fmt::format("| {} | {} | {} | {} | {} |\n", markdown_cell(t.result.target.display()),
                          badge(t.verdict), t.counts.pass, t.counts.fail, t.counts.not_applicable);
    }
    for (const auto& t : report.targets) {
        const auto& r = t.result;
        md +=
            fmt::format("\n### {} — {}\n\n", markdown_text(r.target.display()), badge(t.verdict));
        md += fmt::format(
            "Probed {} at {}{}.\n\n", markdown_text(r.address.empty() ? "-" : r.address),
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
            for (const auto& e : rule.evidence) md += fmt::format("  - {}\n", markdown_text(e));
        }
        md += check_tables(r);
        if (!r.diagnosis.empty()) {
            md += "\n**Diagnosis**\n\n";
            for (const auto& d : r.diagnosis) {
                md += fmt::format("- {} ({} confidence): {}\n", markdown_code(d.id),
                                  to_string(d.confidence), markdown_text(d.summary));
                for (const auto& f : d.fix) md += fmt::format("  - fix: {}\n", advice_text(f));
            }
        }
    }
    return md;
}

}  // namespace tlsprobe::report
