#include "report/junit.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "report/format_util.hpp"
#include "report/xml_writer.hpp"

namespace tlsprobe::report {
namespace {

std::string seconds(std::chrono::microseconds us) {
    return fmt::format("{:.3f}", to_ms(us) / 1000.0);
}

std::string failure_text(const judge::RuleResult& r) {
    std::string text = fmt::format("expected: {}\nactual: {}\n", r.expected, r.actual);
    for (const auto& e : r.evidence) text += "- " + e + "\n";
    return text;
}

}  // namespace

std::string render_junit(const judge::CheckReport& report) {
    std::size_t tests = 0, failures = 0, errors = 0, skipped = 0;
    std::chrono::microseconds total{0};
    for (const auto& t : report.targets) {
        const auto& c = t.counts;
        const bool unreachable = t.result.verdict == probe::TargetVerdict::unreachable;
        tests += t.rules.size() + (unreachable ? 1 : 0);
        failures += c.fail;
        skipped += c.not_applicable;
        errors += unreachable ? 1 : 0;
        total += t.result.duration;
    }

    XmlWriter x;
    x.open("testsuites", {{"name", fmt::format("tlsprobe check ({})", report.policy_source)},
                          {"tests", std::to_string(tests)},
                          {"failures", std::to_string(failures)},
                          {"errors", std::to_string(errors)},
                          {"skipped", std::to_string(skipped)},
                          {"time", seconds(total)}});
    for (const auto& t : report.targets) {
        const auto& r = t.result;
        const auto& c = t.counts;
        const bool unreachable = r.verdict == probe::TargetVerdict::unreachable;
        const auto suite = r.target.display();
        const auto classname = "tlsprobe." + r.target.authority();
        x.open("testsuite", {{"name", suite},
                             {"tests", std::to_string(t.rules.size() + (unreachable ? 1 : 0))},
                             {"failures", std::to_string(c.fail)},
                             {"errors", std::to_string(unreachable ? 1 : 0)},
                             {"skipped", std::to_string(c.not_applicable)},
                             {"time", seconds(r.duration)},
                             {"timestamp", iso8601(r.started)}});
        x.open("properties");
        x.element("property", {{"name", "policy"}, {"value", report.policy_source}});
        x.element("property", {{"name", "address"}, {"value", r.address}});
        x.element("property", {{"name", "verdict"}, {"value", std::string(to_string(t.verdict))}});
        x.close();
        if (unreachable) {
            x.open("testcase", {{"name", "target.reachable"},
                                {"classname", classname},
                                {"time", seconds(r.duration)}});
            std::string detail;
            for (const auto& p : r.probes)
                detail += fmt::format("{}: {} {}\n", p.spec.id,
                                      core::to_string(p.observation.status), p.observation.detail);
            x.element(
                "error",
                {{"message", "the target could not be reached"}, {"type", "target.unreachable"}},
                detail);
            x.close();
        }
        for (const auto& rule : t.rules) {
            const auto name = fmt::format("{}: {}", rule.id, rule.title);
            if (rule.status == judge::RuleStatus::pass) {
                x.element("testcase", {{"name", name}, {"classname", classname}, {"time", "0"}});
                continue;
            }
            x.open("testcase", {{"name", name}, {"classname", classname}, {"time", "0"}});
            if (rule.status == judge::RuleStatus::fail) {
                x.element(
                    "failure",
                    {{"message", fmt::format("expected {}; got {}", rule.expected, rule.actual)},
                     {"type", rule.id}},
                    failure_text(rule));
            } else {
                x.element("skipped",
                          {{"message", rule.evidence.empty()
                                           ? rule.actual
                                           : fmt::format("{}", fmt::join(rule.evidence, "; "))}});
            }
            x.close();
        }
        x.close();
    }
    x.close();
    return x.str();
}

}  // namespace tlsprobe::report
