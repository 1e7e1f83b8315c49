// `tlsprobe diff --markdown FILE` and `--html FILE`: the same changes and policy rules as the
// text report, rendered; every decision was made in judge/diff.cpp.
#include <fmt/format.h>

#include "report/diff_report.hpp"
#include "report/html.hpp"
#include "report/markdown.hpp"
#include "report/xml_writer.hpp"

namespace tlsprobe::report {

namespace {

std::size_t regression_count(const judge::EndpointDiff& d) {
    std::size_t n = 0;
    if (d.policy)
        for (const auto& r : d.policy->rules) n += r.regression ? 1 : 0;
    else
        for (const auto& c : d.changes) n += c.regression ? 1 : 0;
    return n;
}

std::string headline(const judge::EndpointDiff& d) {
    if (d.regression) return "REGRESSION";
    return d.same() ? "NO DIFFERENCE" : "NO REGRESSION";
}

// "3 change(s), 1 regression(s) · policy intermediate (builtin:intermediate)"
std::string summary_line(const judge::EndpointDiff& d) {
    std::string s = fmt::format("{} change(s), {} regression(s)", d.changes.size(),
                                regression_count(d));
    if (d.policy) s += fmt::format(" · policy {} ({})", d.policy->name, d.policy->source);
    return s;
}

std::string what_changed(const judge::DiffChange& c) {
    return c.change == "changed" ? c.item : diff_change_line(c);
}

std::string md_value(const std::string& v) { return v.empty() ? "—" : markdown_cell(v); }

}  // namespace

std::string render_diff_markdown(const judge::EndpointDiff& d) {
    std::string out = fmt::format("## tlsprobe diff: {}\n\n", headline(d));
    out += "| | endpoint | verdict |\n|---|---|---|\n";
    out += fmt::format("| old | {} | {} |\n", markdown_cell(d.old_side.label),
                       markdown_cell(d.old_side.verdict));
    out += fmt::format("| new | {} | {} |\n\n", markdown_cell(d.new_side.label),
                       markdown_cell(d.new_side.verdict));
    out += markdown_text(summary_line(d)) + "\n";
    if (d.policy) {
        out += fmt::format("\n### Policy {}\n\n", markdown_text(d.policy->name));
        out += "| rule | old | new | outcome | old sees | new sees |\n"
               "|---|---|---|---|---|---|\n";
        for (const auto& r : d.policy->rules)
            out += fmt::format("| {} | {} | {} | {}{} | {} | {} |\n", markdown_code(r.id),
                               rule_status_word(r.before), rule_status_word(r.after),
                               r.regression ? "**REGRESSION**: " : "",
                               markdown_cell(diff_rule_outcome_text(r.outcome)),
                               md_value(r.before_actual), md_value(r.after_actual));
    }
    for (const auto& [area, title] : diff_areas()) {
        bool header = false;
        for (const auto& c : d.changes) {
            if (c.area != area) continue;
            if (!header) {
                out += fmt::format("\n### {}\n\n| change | what | old | new | note |\n"
                                   "|---|---|---|---|---|\n",
                                   title);
                header = true;
            }
            out += fmt::format("| {}{} | {} | {} | {} | {} |\n",
                               c.regression ? "**REGRESSION** " : "", c.change,
                               markdown_cell(what_changed(c)), md_value(c.before),
                               md_value(c.after), md_value(c.note));
        }
    }
    if (d.same()) out += "\nNo difference in anything compared.\n";
    return out;
}

std::string render_diff_html(const judge::EndpointDiff& d) {
    auto h = [](std::string_view t) { return escape_xml(t); };
    const std::string verdict_class = d.regression ? "fail" : "pass";
    std::string body = "<section class=\"target\"><h2>Endpoints</h2><table class=\"cards\">"
                       "<thead><tr><th>side</th><th>endpoint</th><th>verdict</th></tr></thead>"
                       "<tbody>";
    for (const auto& [word, side] : {std::pair<const char*, const judge::DiffSnapshot*>{
                                         "old", &d.old_side},
                                     {"new", &d.new_side}})
        body += fmt::format("<tr><td data-label=\"side\">{}</td><td data-label=\"endpoint\" "
                            "class=\"token\">{}</td><td data-label=\"verdict\">{}</td></tr>",
                            word, h(side->label), h(side->verdict));
    body += "</tbody></table></section>";
    if (d.policy) {
        body += fmt::format("<section class=\"target\"><h2>Policy {}</h2><p class=\"meta\">{}"
                            "</p><table class=\"rules cards\"><thead><tr><th>rule</th>"
                            "<th>old</th><th>new</th><th>outcome</th><th>old sees</th>"
                            "<th>new sees</th></tr></thead><tbody>",
                            h(d.policy->name), h(d.policy->source));
        auto badge = [&](judge::RuleStatus s) {
            const char* cls = s == judge::RuleStatus::pass   ? "pass"
                              : s == judge::RuleStatus::fail ? "fail"
                                                             : "na";
            return fmt::format("<span class=\"badge {}\">{}</span>", cls,
                               h(rule_status_word(s)));
        };
        for (const auto& r : d.policy->rules)
            body += fmt::format(
                "<tr><td data-label=\"rule\"><code>{}</code><br>{}</td><td data-label=\"old\">"
                "{}</td><td data-label=\"new\">{}</td><td data-label=\"outcome\">{}{}</td>"
                "<td data-label=\"old sees\" class=\"token\">{}</td><td data-label=\"new sees\" "
                "class=\"token\">{}</td></tr>",
                h(r.id), h(r.title), badge(r.before), badge(r.after),
                r.regression ? "<span class=\"badge fail\">REGRESSION</span> " : "",
                h(diff_rule_outcome_text(r.outcome)), h(r.before_actual), h(r.after_actual));
        body += "</tbody></table></section>";
    }
    if (!d.changes.empty()) {
        body += "<section class=\"target\"><h2>Changes</h2>";
        for (const auto& [area, title] : diff_areas()) {
            std::string rows;
            for (const auto& c : d.changes) {
                if (c.area != area) continue;
                rows += fmt::format(
                    "<tr{}><td data-label=\"change\">{}{}</td><td data-label=\"what\" "
                    "class=\"token\">{}</td><td data-label=\"old\" class=\"token\">{}</td>"
                    "<td data-label=\"new\" class=\"token\">{}</td><td data-label=\"note\">{}"
                    "</td></tr>",
                    c.regression ? " class=\"fail\"" : "",
                    c.regression ? "<span class=\"badge fail\">REGRESSION</span> " : "",
                    h(c.change), h(what_changed(c)), h(c.before), h(c.after), h(c.note));
            }
            if (rows.empty()) continue;
            body += fmt::format("<h3>{}</h3><table class=\"cards\"><thead><tr><th>change</th>"
                                "<th>what</th><th>old</th><th>new</th><th>note</th></tr>"
                                "</thead><tbody>{}</tbody></table>",
                                h(title), rows);
        }
        body += "</section>";
    }
    std::string summary = h(summary_line(d));
    if (d.same()) summary += " · no difference in anything compared";
    return render_html_page("tlsprobe diff: " + d.old_side.label + " → " + d.new_side.label,
                            headline(d), verdict_class, summary, body);
}

}  // namespace tlsprobe::report
