// JUnit XML for CI systems (GitLab, Jenkins, GitHub test reporters): one <testsuite> per
// target, one <testcase> per policy rule. A failed rule is a <failure> with its evidence, a
// not-applicable rule is <skipped> with the reason, and a target that could not be reached
// gets an extra "target.reachable" testcase with an <error>.
#pragma once

#include <string>

#include "judge/policy_rules.hpp"

namespace tlsprobe::report {

std::string render_junit(const judge::CheckReport& report);

}  // namespace tlsprobe::report
