// The manual page and the shell completions, generated from the same CLI11 command table as
// --help (one source of truth): `tlsprobe man`, `tlsprobe completion bash|zsh|fish`. The build
// runs both and installs the output (CMakeLists.txt).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

namespace tlsprobe::cli {

// tlsprobe(1) in roff (man(7) macros): every subcommand with its options and examples, the
// exit codes, the finding and diagnosis ids, the environment and the files read.
std::string render_man(const CLI::App& app, std::string_view version);

// A completion script for `shell` ("bash", "zsh" or "fish"): subcommands (nested ones too),
// their options, and file names where an option takes a file.
std::string render_completion(const CLI::App& app, std::string_view shell);

}  // namespace tlsprobe::cli
