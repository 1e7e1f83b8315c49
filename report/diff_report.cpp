#include "report/diff_report.hpp"

#include <fmt/color.h>
#include <fmt/format.h>

#include "report/format_util.hpp"
#include "report/json_report.hpp"

namespace tlsprobe::report {

using nlohmann::json;

namespace {

std::string paint(bool color, std::string_view text, fmt::text_style style) {
    return color ? fmt::format(style, "{}", text) : std::string(text);
}

// "TLS 1.1: accepted -> refused", "issuer: CN=A -> CN=B", "chain.incomplete"
std::string change_line(const judge::DiffChange& c) {
    if (c.change == "changed") return fmt::format("{}: {} -> {}", c.item, c.before, c.after);
    if (c.area == "versions")
        return fmt::format("{} {} ({} -> {})", c.item, c.change, c.before, c.after);
    if (c.area == "clients") return fmt::format("{}: {} -> {}", c.item, c.before, c.after);
    if (c.area == "http")
        return fmt::format("{} {} ({})", c.item, c.change, c.after.empty() ? c.before : c.after);
    if (c.area == "findings" && !c.after.empty()) return fmt::format("{} ({})", c.item, c.after);
    if (c.area == "findings") return fmt::format("{} ({})", c.item, c.before);
    return c.item;
}

json policy_json(const judge::EndpointDiff& d) {
    if (!d.policy) return nullptr;
    json rules = json::array();
    for (const auto& r : d.policy->rules)
        rules.push_back({{"id", r.id},
                         {"title", r.title},
                         {"old", std::string(judge::to_string(r.before))},
                         {"new", std::string(judge::to_string(r.after))},
                         {"old_actual", r.before_actual},
                         {"new_actual", r.after_actual},
                         {"outcome", r.outcome},
                         {"regression", r.regression}});
    return {{"name", d.policy->name}, {"source", d.policy->source}, {"rules", std::move(rules)}};
}

}  // namespace

const std::vector<std::pair<std::string_view, std::string_view>>& diff_areas() {
    static const std::vector<std::pair<std::string_view, std::string_view>> areas = {
        {"verdict", "Verdict"},          {"versions", "Protocol versions"},
        {"ciphers", "Cipher suites"},    {"groups", "Key-exchange groups"},
        {"certificate", "Certificate"},  {"chain", "Chain"},
        {"sni", "SNI behaviour"},        {"http", "HTTP"},
        {"clients", "Simulated clients"}, {"findings", "Findings"}};
    return areas;
}

std::string rule_status_word(judge::RuleStatus s) {
    return s == judge::RuleStatus::not_applicable ? "n/a" : std::string(judge::to_string(s));
}

std::string diff_rule_outcome_text(std::string_view outcome) {
    if (outcome == "regression") return "fails on NEW only";
    if (outcome == "already_failing") return "already failing on OLD, does not gate";
    if (outcome == "fixed") return "fixed on NEW";
    if (outcome == "not_evaluated") return "evaluated on one side only";
    return "unchanged";
}

std::string diff_change_line(const judge::DiffChange& c) { return change_line(c); }

std::string render_diff_text(const judge::EndpointDiff& d, const DiffTextOptions& options) {
    const bool color = options.color;
    const std::size_t width = options.width;
    std::string out;
    out += fit_line(fmt::format("old  {}  verdict {}", d.old_side.label, d.old_side.verdict), width) + "\n";
    out += fit_line(fmt::format("new  {}  verdict {}", d.new_side.label, d.new_side.verdict), width) + "\n";
    if (d.same()) {
        out += "\n" + paint(color, "No difference", fmt::fg(fmt::terminal_color::green)) +
               " in versions, cipher suites, groups, certificate, chain, SNI, HTTP, clients, "
               "findings or verdict.\n";
        if (!d.policy) return out;
    }
    for (const auto& [area, title] : diff_areas()) {
        bool header = false;
        for (const auto& c : d.changes) {
            if (c.area != area) continue;
            if (!header) {
                out += "\n" + std::string(title) + "\n";
                header = true;
            }
            const char* mark = c.change == "lost" || c.change == "removed" ? "-"
                               : c.change == "gained" || c.change == "added" ? "+"
                                                                             : "~";
            std::string line = fmt::format("  {} {}", mark, change_line(c));
            if (!c.note.empty()) line += "   (" + c.note + ")";
            if (c.regression)
                line = paint(color, line + "  REGRESSION", fmt::fg(fmt::terminal_color::red));
            out += fit_line(line, width) + "\n";
        }
    }
    if (d.policy) {
        out += fmt::format("\nPolicy {} ({})\n", d.policy->name, d.policy->source);
        for (const auto& r : d.policy->rules) {
            if (r.outcome == "unchanged") continue;
            std::string line = fmt::format("  {} {}: {} -> {}   ({}; {} -> {})",
                                           r.regression ? "!" : "~", r.id,
                                           rule_status_word(r.before), rule_status_word(r.after),
                                           diff_rule_outcome_text(r.outcome), r.before_actual,
                                           r.after_actual);
            if (r.regression)
                line = paint(color, line + "  REGRESSION", fmt::fg(fmt::terminal_color::red));
            out += fit_line(line, width) + "\n";
        }
        std::size_t unchanged = 0;
        for (const auto& r : d.policy->rules) unchanged += r.outcome == "unchanged" ? 1 : 0;
        if (unchanged > 0) out += fmt::format("  {} rule(s) unchanged\n", unchanged);
    }
    std::size_t regressions = 0;
    if (d.policy)
        for (const auto& r : d.policy->rules) regressions += r.regression ? 1 : 0;
    else
        for (const auto& c : d.changes) regressions += c.regression ? 1 : 0;
    out += "\n";
    out += d.regression
               ? paint(color,
                       fmt::format("{} change(s), {} regression(s): the new server breaks "
                                   "something the old one did.",
                                   d.changes.size(), regressions),
                       fmt::fg(fmt::terminal_color::red) | fmt::emphasis::bold)
               : fmt::format("{} change(s), no regression.", d.changes.size());
    out += "\n";
    return out;
}

json diff_to_json(const judge::EndpointDiff& d) {
    json changes = json::array();
    for (const auto& c : d.changes)
        changes.push_back({{"area", c.area},
                           {"item", c.item},
                           {"change", c.change},
                           {"before", c.before.empty() ? json(nullptr) : json(c.before)},
                           {"after", c.after.empty() ? json(nullptr) : json(c.after)},
                           {"regression", c.regression},
                           {"note", c.note.empty() ? json(nullptr) : json(c.note)}});
    auto side = [](const judge::DiffSnapshot& s) {
        return json{{"label", s.label}, {"target_verdict", s.verdict}};
    };
    return {{"schema_version", kSchemaVersion},
            {"kind", "diff"},
            {"old", side(d.old_side)},
            {"new", side(d.new_side)},
            {"same", d.same()},
            {"regression", d.regression},
            {"changes", std::move(changes)},
            {"policy", policy_json(d)}};
}

std::string render_diff_json(const judge::EndpointDiff& d) {
    return diff_to_json(d).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace tlsprobe::report
