// The man page and the shell completions come from the same command table as --help: every
// option --help shows is in the man page, the page renders cleanly, and the bash completion
// completes what the table holds.
#include <array>
#include <catch2/catch.hpp>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <unistd.h>

#include "cli/cli.hpp"
#include "cli_run.hpp"

using namespace tlsprobe;

namespace {

using Run = test::CliRun;
constexpr auto run = &test::run_cli;

// Every "--long" and "-s" option name in a --help text.
std::set<std::string> options_in_help(const std::string& help) {
    std::set<std::string> names;
    static const std::regex option(R"((^|[\s,])(--?[A-Za-z][A-Za-z0-9-]*))");
    for (std::sregex_iterator it(help.begin(), help.end(), option), end; it != end; ++it)
        names.insert((*it)[2]);
    return names;
}

std::string roff_escaped(const std::string& option) {
    std::string out;
    for (char c : option) out += c == '-' ? std::string("\\-") : std::string(1, c);
    return out;
}

// `escaped` (an option in roff, "\\-\\-timeout") as a whole word of `text`: not preceded by
// another "\\-" or a letter, not followed by a letter, digit or "\\-".
bool contains_option(const std::string& text, const std::string& escaped) {
    for (auto at = text.find(escaped); at != std::string::npos; at = text.find(escaped, at + 1)) {
        const bool dash_before = at >= 2 && text.compare(at - 2, 2, "\\-") == 0;
        const bool font_before = at >= 3 && text.compare(at - 3, 2, "\\f") == 0;  // "\\fB"
        const bool word_before =
            at >= 1 && !font_before && std::isalnum(static_cast<unsigned char>(text[at - 1]));
        const auto end = at + escaped.size();
        const bool word_after =
            end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) ||
                                  text.compare(end, 2, "\\-") == 0);
        if (!dash_before && !word_before && !word_after) return true;
    }
    return false;
}

struct Shell {
    int code;
    std::string out;
};

// Runs a shell command, capturing standard output (bounded: the commands here end at once).
Shell shell(const std::string& command) {
    Shell r{-1, ""};
    FILE* p = popen(command.c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = fread(buffer.data(), 1, buffer.size(), p)) > 0 && r.out.size() < (1u << 20))
        r.out.append(buffer.data(), n);
    r.code = pclose(p);
    return r;
}

std::filesystem::path write_temp(const std::string& name, const std::string& content) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("tlsprobe-docs-test-" + std::to_string(::getpid()) + "-" + name);
    std::ofstream(path) << content;
    return path;
}

const std::vector<std::vector<std::string>> kCommands{
    {},         {"probe"},          {"demo"},           {"scan"}, {"check"},
    {"policy"}, {"policy", "show"}, {"policy", "list"}, {"man"},  {"completion"},
    {"cert"}};

}  // namespace

TEST_CASE("the man page lists every option every --help shows", "[cli][docs]") {
    const auto man = run({"man"});
    REQUIRE(man.code == cli::kOk);
    CHECK_THAT(man.out, Catch::StartsWith(".TH TLSPROBE 1"));
    for (const auto& command : kCommands) {
        auto args = command;
        args.push_back("--help");
        const auto help = run(args);
        INFO("tlsprobe " << (command.empty() ? "" : command.front()) << " --help");
        REQUIRE(help.code == cli::kOk);
        const auto names = options_in_help(help.out);
        CHECK(names.size() >= 2);  // at least -h, --help
        for (const auto& name : names) {
            INFO(name);
            // As a whole option name: "\\-h" must not be found inside "\\-\\-help".
            CHECK(contains_option(man.out, roff_escaped(name)));
        }
    }
    // Exit codes, the finding catalogue and the environment are in it too.
    CHECK_THAT(man.out, Catch::Contains(".SH EXIT STATUS") &&
                            Catch::Contains("tls.insecure_cipher_offered") &&
                            Catch::Contains("binding.sni_required") && Catch::Contains("NO_COLOR"));
}

TEST_CASE("the man page renders without groff warnings", "[cli][docs]") {
    if (shell("command -v groff >/dev/null 2>&1").code != 0) {
        WARN("groff is not installed: rendering not checked");
        return;
    }
    const auto page = write_temp("tlsprobe.1", run({"man"}).out);
    const auto r = shell("groff -man -ww -z " + page.string() + " 2>&1");
    std::filesystem::remove(page);
    CHECK(r.code == 0);
    CHECK(r.out.empty());
}

TEST_CASE("bash completion completes commands, options and nested commands", "[cli][docs]") {
    const auto script = write_temp("tlsprobe.bash", run({"completion", "bash"}).out);
    auto complete = [&](const std::string& words, int cword) {
        return shell("bash -c 'source " + script.string() + "; COMP_WORDS=(" + words +
                     "); COMP_CWORD=" + std::to_string(cword) +
                     "; _tlsprobe; echo \"${COMPREPLY[*]}\"'")
            .out;
    };
    CHECK(complete("tlsprobe pro", 1) == "probe\n");
    CHECK(complete("tlsprobe probe --time", 2) == "--timeout\n");
    CHECK(complete("tlsprobe scan --concu", 2) == "--concurrency\n");
    CHECK(complete("tlsprobe policy sh", 2) == "show\n");
    CHECK(complete("tlsprobe check --pol", 2) == "--policy\n");
    // A file option completes file names.
    CHECK(complete(
              "tlsprobe probe --ca-file " + script.string().substr(0, script.string().size() - 2),
              3) == script.string() + "\n");
    std::filesystem::remove(script);
    CHECK(run({"completion", "tcsh"}).code == cli::kUsage);
    for (const auto* sh : {"zsh", "fish"}) {
        const auto r = run({"completion", sh});
        CHECK(r.code == cli::kOk);
        CHECK_THAT(r.out, Catch::Contains("--timeout") || Catch::Contains("-l timeout"));
        CHECK_THAT(r.out, Catch::Contains("probe") && Catch::Contains("policy"));
    }
}
