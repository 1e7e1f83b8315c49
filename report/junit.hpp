// JUnit XML for CI systems (GitLab, Jenkins, GitHub test reporters), valid against the strict
// schema of Ant's junit task (tests/data/junit-ant.xsd): one <testsuite> per target, one
// <testcase> per policy rule that applies. A failed rule is a <failure> with its evidence; a
// target that could not be reached gets a "target.reachable" testcase with an <error>. The
// strict schema has no <skipped>: rules that do not apply are listed in the suite's
// <system-out> (and are failures with --strict, where they count as such).
// Every testcase has classname "tlsprobe.check" and is named "<rule id>: <title> (<target>)":
// a host name's dots never become package levels.
#pragma once

#include <string>

#include "judge/policy_rules.hpp"

namespace tlsprobe::report {

struct JunitOptions {
    std::string hostname = "localhost";  // the machine the check ran on (<testsuite hostname>)
};

std::string render_junit(const judge::CheckReport& report, const JunitOptions& options = {});

}  // namespace tlsprobe::report
