#include "cli/docs.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <vector>

#include "cli/cli.hpp"
#include "judge/diagnosis_rules.hpp"
#include "judge/finding.hpp"

namespace tlsprobe::cli {
namespace {

// A command at any depth: "probe", "policy show".
struct Node {
    std::string path;  // words after "tlsprobe", space-separated; empty for the top level
    const CLI::App* app = nullptr;
};

std::vector<const CLI::App*> children(const CLI::App& app) {
    return app.get_subcommands([](const CLI::App*) { return true; });
}

void walk(const CLI::App& app, const std::string& path, std::vector<Node>& out) {
    out.push_back({path, &app});
    for (const auto* sub : children(app))
        walk(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), out);
}

std::vector<Node> all_commands(const CLI::App& app) {
    std::vector<Node> out;
    walk(app, "", out);
    return out;
}

// "--timeout", "-o, --output"
std::string flag_names(const CLI::Option& opt) {
    std::vector<std::string> names;
    for (const auto& s : opt.get_snames()) names.push_back("-" + s);
    for (const auto& l : opt.get_lnames()) names.push_back("--" + l);
    return fmt::format("{}", fmt::join(names, ", "));
}

bool takes_value(const CLI::Option& opt) { return opt.get_expected_min() > 0; }

// Whether an option's value is a path, judged from its help text (the one place that says).
bool takes_file(const CLI::Option& opt) {
    if (!takes_value(opt)) return false;
    std::string d = opt.get_description();
    std::transform(d.begin(), d.end(), d.begin(), [](unsigned char c) { return std::tolower(c); });
    return d.find("file") != std::string::npos || d.find("directory") != std::string::npos ||
           d.find("path") != std::string::npos;
}

std::vector<const CLI::Option*> named_options(const CLI::App& app) {
    std::vector<const CLI::Option*> out;
    for (const auto* opt : app.get_options())
        if (opt->nonpositional()) out.push_back(opt);
    return out;
}

std::vector<const CLI::Option*> positionals(const CLI::App& app) {
    std::vector<const CLI::Option*> out;
    for (const auto* opt : app.get_options())
        if (!opt->nonpositional()) out.push_back(opt);
    return out;
}

// ---- roff -------------------------------------------------------------------------------

// Text for a roff line: backslashes escaped, '-' as a real minus where it is an option,
// a leading '.' or '\'' neutralised.
std::string roff(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\\') out += "\\e";
        else if (c == '-') out += "\\-";
        else out += c;
    }
    if (!out.empty() && (out.front() == '.' || out.front() == '\'')) out.insert(0, "\\&");
    return out;
}

// Several lines as they are (examples, footers): no filling, every line escaped.
std::string roff_block(std::string_view text) {
    std::string out = ".nf\n";
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        out += roff(text.substr(start, end - start)) + "\n";
        start = end + 1;
    }
    return out + ".fi\n";
}

std::string option_item(const CLI::Option& opt) {
    std::string head = fmt::format("\\fB{}\\fR", roff(flag_names(opt)));
    if (takes_value(opt)) {
        // CLI11's "TEXT:{text,json}" / "UINT:INT in [1 - 64]": the choices, else the base type.
        auto type = opt.get_type_name();
        if (const auto brace = type.find(":{"); brace != std::string::npos)
            type = type.substr(brace + 1);
        else if (const auto colon = type.find(':'); colon != std::string::npos)
            type.resize(colon);
        if (type.empty()) type = "VALUE";
        head += fmt::format(" \\fI{}\\fR", roff(type));
    }
    std::string body = roff(opt.get_description());
    const auto def = opt.get_default_str();
    if (!def.empty()) body += fmt::format(" (default: {})", roff(def));
    return fmt::format(".TP\n{}\n{}\n", head, body);
}

std::string synopsis(const Node& n) {
    std::string s = fmt::format("\\fBtlsprobe {}\\fR", roff(n.path));
    for (const auto* p : positionals(*n.app)) {
        const auto name = p->get_name();
        s += p->get_required() ? fmt::format(" \\fI{}\\fR", roff(name))
                               : fmt::format(" [\\fI{}\\fR]", roff(name));
    }
    if (!named_options(*n.app).empty()) s += " [\\fIoptions\\fR]";
    if (!children(*n.app).empty()) s += " \\fICOMMAND\\fR";
    return s;
}

}  // namespace

std::string render_man(const CLI::App& app, std::string_view version) {
    std::string m;
    m += fmt::format(".TH TLSPROBE 1 \"\" \"tlsprobe {}\" \"User Commands\"\n", roff(version));
    m += ".SH NAME\ntlsprobe \\- find out from the outside why a server's HTTPS fails\n";
    const auto commands = all_commands(app);
    m += ".SH SYNOPSIS\n";
    for (const auto& n : commands)
        if (!n.path.empty()) m += synopsis(n) + "\n.br\n";
    m += ".SH DESCRIPTION\n";
    m += "tlsprobe connects to host:port, negotiates each protocol version separately (SSL 2.0 "
         "to TLS 1.3), retrieves and validates the served chain, and says what the wire showed, "
         "which server-side cause that points to, how to confirm it on the server and how to "
         "fix it.\n";
    m += ".SH COMMANDS\n";
    for (const auto& n : commands) {
        if (n.path.empty()) continue;
        m += fmt::format(".SS \"tlsprobe {}\"\n", roff(n.path));
        m += roff(n.app->get_description()) + "\n";
        const auto pos = positionals(*n.app);
        for (const auto* p : pos)
            m += fmt::format(".TP\n\\fI{}\\fR\n{}\n", roff(p->get_name()),
                             roff(p->get_description()));
        for (const auto* opt : named_options(*n.app)) m += option_item(*opt);
        const auto footer = n.app->get_footer();
        if (!footer.empty() && footer != app.get_footer()) m += ".PP\n" + roff_block(footer);
    }
    m += ".SH OPTIONS\nEvery command accepts:\n";
    for (const auto* opt : named_options(app)) m += option_item(*opt);
    m += ".SH EXIT STATUS\n" + roff_block(exit_codes_help());
    m += "\\fBscan\\fR and \\fBcheck\\fR give 0 to 3 their own precise meaning; see their "
         "sections above.\n";
    m += ".SH FINDINGS\nFinding ids are stable (the JSON contract; policies refer to them). "
         "A critical or high finding makes \\fBprobe\\fR exit 1.\n";
    for (const auto& k : judge::finding_kinds())
        m += fmt::format(".TP\n\\fB{}\\fR ({})\n{}\n", roff(k.id), probe::to_string(k.severity),
                         roff(k.title));
    m += ".SH DIAGNOSES\nThe server-side causes tlsprobe can name, with the scenario of the IIS "
         "troubleshooting article each matches.\n";
    for (const auto& d : judge::diagnosis_kinds())
        m += fmt::format(".TP\n\\fB{}\\fR{}\n{}\n", roff(d.id),
                         d.scenarios.empty() ? "" : fmt::format(" ({})", roff(d.scenarios)),
                         roff(d.title));
    m += ".SH ENVIRONMENT\n"
         ".TP\n\\fBNO_COLOR\\fR\nWhen set and not empty, no ANSI colours.\n"
         ".TP\n\\fBTLSPROBE_TESTCERTS\\fR\nThe directory of the lab's test certificates for "
         "\\fBtlsprobe demo\\fR (default: a private temporary copy of the certificates built "
         "into the binary).\n"
         ".TP\n\\fBTLSPROBE_CLIENT_DATA\\fR\nThe client\\-simulation data file (default: "
         "\\fI/etc/testssl/client\\-simulation.txt\\fR); \\-\\-client\\-data overrides it.\n"
         ".TP\n\\fBTLSPROBE_TRUST_STORE_DIR\\fR\nThe directory of the platform trust stores "
         "Mozilla.pem, Microsoft.pem, Apple.pem, Java.pem, Linux.pem (default: "
         "\\fI/etc/testssl\\fR); \\-\\-trust\\-store\\-dir overrides it.\n";
    m += ".SH FILES\n"
         ".TP\n\\fI/etc/ssl/certs\\fR\nThe system trust store (OpenSSL's default), unless "
         "\\-\\-ca\\-file or \\-\\-ca\\-path is given.\n"
         ".TP\n\\fI/etc/testssl/common\\-primes.txt\\fR\nDH primes servers commonly share "
         "(Debian package testssl.sh), read at run time.\n";
    m += ".SH EXAMPLES\n" + roff_block(
                                "tlsprobe probe example.com\n"
                                "tlsprobe probe www.example.com --connect-to 192.0.2.10\n"
                                "tlsprobe scan hosts.txt --jsonl results.jsonl\n"
                                "tlsprobe check www.example.com --policy builtin:intermediate\n"
                                "tlsprobe demo");
    m += ".SH SEE ALSO\n\\fBopenssl\\-s_client\\fR(1), \\fBtestssl\\fR(1)\n";
    return m;
}

namespace {

std::string words_of(const CLI::App& app) {
    std::vector<std::string> w;
    for (const auto* sub : children(app)) w.push_back(sub->get_name());
    for (const auto* opt : named_options(app)) {
        for (const auto& s : opt->get_snames()) w.push_back("-" + s);
        for (const auto& l : opt->get_lnames()) w.push_back("--" + l);
    }
    return fmt::format("{}", fmt::join(w, " "));
}

std::vector<std::string> file_flags(const std::vector<Node>& commands) {
    std::vector<std::string> out;
    for (const auto& n : commands)
        for (const auto* opt : named_options(*n.app))
            if (takes_file(*opt)) {
                for (const auto& s : opt->get_snames()) out.push_back("-" + s);
                for (const auto& l : opt->get_lnames()) out.push_back("--" + l);
            }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

// The shell's `case` pattern list of every command path: "\" probe\"|\" policy show\"".
std::string path_patterns(const std::vector<Node>& commands) {
    std::vector<std::string> p;
    for (const auto& n : commands)
        if (!n.path.empty()) p.push_back(fmt::format("\" {}\"", n.path));
    return fmt::format("{}", fmt::join(p, "|"));
}

std::string bash(const std::vector<Node>& commands) {
    std::string s =
        "# bash completion for tlsprobe; generated by `tlsprobe completion bash`.\n"
        "_tlsprobe() {\n"
        "    local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
        "    local cmdpath=\"\" i\n"
        "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
        "        case \"$cmdpath ${COMP_WORDS[i]}\" in\n";
    s += fmt::format("            {}) cmdpath=\"$cmdpath ${{COMP_WORDS[i]}}\" ;;\n",
                     path_patterns(commands));
    s += "        esac\n"
         "    done\n"
         "    case \"$prev\" in\n";
    const auto files = file_flags(commands);
    if (!files.empty())
        s += fmt::format("        {}) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n",
                         fmt::join(files, "|"));
    s += "    esac\n"
         "    local words\n"
         "    case \"$cmdpath\" in\n";
    for (const auto& n : commands)
        s += fmt::format("        \"{}\") words=\"{}\" ;;\n", n.path.empty() ? "" : " " + n.path,
                         words_of(*n.app));
    s += "    esac\n"
         "    COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
         "}\n"
         "complete -F _tlsprobe tlsprobe\n";
    return s;
}

std::string zsh(const std::vector<Node>& commands) {
    // `path` is special in zsh (tied to $PATH): the variable is cmdpath.
    std::string s =
        "#compdef tlsprobe\n"
        "# zsh completion for tlsprobe; generated by `tlsprobe completion zsh`.\n"
        "_tlsprobe() {\n"
        "    local cmdpath=\"\" i\n"
        "    for ((i = 2; i < CURRENT; i++)); do\n"
        "        case \"$cmdpath ${words[i]}\" in\n";
    s += fmt::format("            ({}) cmdpath=\"$cmdpath ${{words[i]}}\" ;;\n",
                     path_patterns(commands));
    s += "        esac\n"
         "    done\n"
         "    case \"${words[CURRENT-1]}\" in\n";
    const auto files = file_flags(commands);
    if (!files.empty()) s += fmt::format("        ({}) _files; return ;;\n", fmt::join(files, "|"));
    s += "    esac\n"
         "    local -a candidates\n"
         "    case \"$cmdpath\" in\n";
    for (const auto& n : commands)
        s += fmt::format("        (\"{}\") candidates=({}) ;;\n",
                         n.path.empty() ? "" : " " + n.path, words_of(*n.app));
    s += "    esac\n"
         "    compadd -- $candidates\n"
         "}\n"
         "_tlsprobe \"$@\"\n";
    return s;
}

std::string fish_quote(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'' || c == '\\') out += '\\';
        out += c;
    }
    return out + "'";
}

std::string fish(const std::vector<Node>& commands) {
    std::string s =
        "# fish completion for tlsprobe; generated by `tlsprobe completion fish`.\n"
        "complete -c tlsprobe -f\n";
    for (const auto& n : commands) {
        // The condition that this command is the one being completed.
        std::string cond;
        if (n.path.empty()) {
            cond = "__fish_use_subcommand";
        } else {
            const auto last =
                n.path.substr(n.path.rfind(' ') == std::string::npos ? 0 : n.path.rfind(' ') + 1);
            cond = fmt::format("__fish_seen_subcommand_from {}", last);
            std::vector<std::string> subs;
            for (const auto* sub : children(*n.app)) subs.push_back(sub->get_name());
            if (!subs.empty())
                cond +=
                    fmt::format("; and not __fish_seen_subcommand_from {}", fmt::join(subs, " "));
        }
        for (const auto* sub : children(*n.app))
            s += fmt::format("complete -c tlsprobe -n {} -a {} -d {}\n", fish_quote(cond),
                             sub->get_name(), fish_quote(sub->get_description()));
        for (const auto* opt : named_options(*n.app)) {
            std::string names;
            for (const auto& sn : opt->get_snames()) names += " -s " + sn;
            for (const auto& l : opt->get_lnames()) names += " -l " + l;
            const std::string value = takes_file(*opt) ? " -r -F" : takes_value(*opt) ? " -r" : "";
            s += fmt::format("complete -c tlsprobe -n {}{}{} -d {}\n", fish_quote(cond), names,
                             value, fish_quote(opt->get_description()));
        }
    }
    return s;
}

}  // namespace

std::string render_completion(const CLI::App& app, std::string_view shell) {
    const auto commands = all_commands(app);
    if (shell == "bash") return bash(commands);
    if (shell == "zsh") return zsh(commands);
    if (shell == "fish") return fish(commands);
    throw std::invalid_argument(fmt::format("no completion for shell '{}'", shell));
}

}  // namespace tlsprobe::cli
