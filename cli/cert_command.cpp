#include "cli/cert_command.hpp"

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <memory>
#include <ostream>

#include "cli/cli_common.hpp"
#include "judge/cert_file.hpp"
#include "probe/target.hpp"
#include "report/cert_report.hpp"
#include "x509/cert_file.hpp"

namespace tlsprobe::cli {

namespace {

struct CertArgs : CommonProbeArgs {
    std::vector<std::string> files;
    std::string key;
    std::string password;
    std::string password_file;
    std::vector<std::string> hosts;
    std::string at;
    int expires_soon_days = 30;
    std::string format = "text";
    bool json = false;
    std::string output;
    bool no_color = false;
};

std::string read_input(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw UsageError(fmt::format("{}: cannot be opened ({})", path, std::strerror(errno)));
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

core::ByteView bytes(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// The password, from --password or the first line of --password-file (its line ending
// dropped). Never printed: messages name the option or the file, not the value.
std::optional<std::string> password_of(const CertArgs& a) {
    if (!a.password_file.empty()) {
        std::string text = read_input(a.password_file);
        if (const auto eol = text.find_first_of("\r\n"); eol != std::string::npos) text.resize(eol);
        return text;
    }
    if (!a.password.empty()) return a.password;
    return std::nullopt;
}

std::vector<judge::CertFileInput::Host> hosts_of(const std::vector<std::string>& names) {
    std::vector<judge::CertFileInput::Host> out;
    for (const auto& n : names) {
        std::string host = n;
        if (host.size() > 2 && host.front() == '[' && host.back() == ']')
            host = host.substr(1, host.size() - 2);
        if (probe::is_ip_literal(host)) {
            out.push_back({n, host});
            continue;
        }
        try {
            out.push_back({n, probe::normalize_host_name(host).ascii});
        } catch (const std::exception& e) {
            throw UsageError(fmt::format("--host: {}", e.what()));
        }
    }
    return out;
}

int run_cert(const CertArgs& a, std::ostream& out) {
    const bool to_stdout = a.output.empty() || a.output == "-";
    if (!to_stdout) check_output_path("--output", a.output);
    judge::CertFileInput in;
    in.at = a.at.empty() ? std::chrono::system_clock::now() : parse_at_time(a.at);
    in.at_given = !a.at.empty();
    in.expires_soon_days = a.expires_soon_days;
    in.hosts = hosts_of(a.hosts);
    const auto password = password_of(a);
    try {
        for (const auto& f : a.files) in.files.push_back(x509::read_cert_file(f, bytes(read_input(f)), password));
        if (!a.key.empty()) in.key_file = x509::read_private_key(a.key, bytes(read_input(a.key)), password);
    } catch (const x509::CertFileError& e) {
        throw UsageError(e.what());
    }
    const auto trust = load_trust(a.ca_file, a.ca_path);
    const auto result = judge::assess_cert_files(in, *trust);
    const std::string report = a.json || a.format == "json"
                                   ? report::render_cert_json(result)
                                   : report::render_cert_text(
                                         result, {.color = want_color(a.no_color, a.output)});
    if (to_stdout) out << report;
    else write_file(a.output, report);
    return result.verdict == judge::CertVerdict::fail ? kFindings : kOk;
}

CommandRun cert_options(CLI::App& cmd) {
    auto a = std::make_shared<CertArgs>();
    cmd.footer(
        "Checks offline (no network): does the file hold the private key and does it belong to "
        "the certificate (S1); the chain in the file, trust, EKU serverAuth, key usage, basic "
        "constraints, validity, key size, signature algorithm and the names (S2); and prints "
        "how to install it on IIS, nginx, Apache and HAProxy.\n"
        "Examples:\n"
        "  tlsprobe cert site.pfx --password-file pfx.pass --host www.example.com\n"
        "  tlsprobe cert fullchain.pem --key site.key --host example.com --host www.example.com\n"
        "  tlsprobe cert site.cer intermediate.p7b --at 2026-07-01   will it still be valid at "
        "go-live?\n"
        "  tlsprobe cert site.pfx --ca-file corp-root.pem --json\n"
        "Exit codes: 0 no high-severity finding, 1 a high or critical finding, 2 usage error or "
        "a file that cannot be read (garbage, a PKCS#12 password missing or wrong), 4 internal "
        "error.");
    cmd.add_option("file", a->files,
                   "Certificate files: PEM (certificates, PKCS7 and key blocks), DER .cer, PKCS#7 "
                   ".p7b or PKCS#12 .pfx/.p12; their certificates are checked as one chain, in "
                   "order")
        ->required();
    cmd.add_option("--key", a->key, "The private key (PEM or DER, encrypted or not) to check "
                                    "against the certificate");
    auto* pw = cmd.add_option("--password", a->password,
                              "Password of the PKCS#12 file or the encrypted key (visible to other "
                              "local users in the process list: prefer --password-file)");
    cmd.add_option("--password-file", a->password_file,
                   "Read the password from the first line of FILE")
        ->excludes(pw);
    cmd.add_option("--host", a->hosts,
                   "A name the certificate must cover (repeatable; Unicode names are converted "
                   "with IDNA, wildcards matched as the live probe does)");
    cmd.add_option("--at", a->at,
                   "Check validity at this time instead of now: 2026-07-01 or "
                   "2026-07-01T12:00:00Z (UTC)");
    cmd.add_option("--expires-soon", a->expires_soon_days,
                   "Warn when a certificate expires within DAYS of the check time")
        ->check(CLI::Range(0, 3650))
        ->capture_default_str();
    add_trust_options(cmd, *a);
    cmd.add_option("--format", a->format, "Report format")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    cmd.add_flag("--json", a->json, "Same as --format json");
    cmd.add_option("-o,--output", a->output, "Write the report to FILE instead of standard output");
    cmd.add_flag("--no-color", a->no_color, "No ANSI colours");
    return [a](std::ostream& out, std::ostream&) { return run_cert(*a, out); };
}

}  // namespace

std::chrono::system_clock::time_point parse_at_time(std::string_view text) {
    const std::string s(text);
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    int used = 0;
    const auto bad = [&] {
        return UsageError(fmt::format(
            "--at: '{}' is not a time (examples: 2026-07-01, 2026-07-01T12:00:00Z, UTC)", text));
    };
    if (std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3) throw bad();
    std::string_view rest = std::string_view(s).substr(static_cast<std::size_t>(used));
    if (!rest.empty()) {
        if (rest.front() != 'T' && rest.front() != ' ') throw bad();
        const std::string time(rest.substr(1));
        int n = 0;
        if (std::sscanf(time.c_str(), "%2d:%2d:%2d%n", &h, &mi, &sec, &n) == 3 ||
            (sec = 0, std::sscanf(time.c_str(), "%2d:%2d%n", &h, &mi, &n) == 2)) {
            const std::string_view zone = std::string_view(time).substr(static_cast<std::size_t>(n));
            if (!zone.empty() && zone != "Z" && zone != "z" && zone != "+00:00") throw bad();
        } else {
            throw bad();
        }
    }
    using namespace std::chrono;
    const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || sec > 60 || h < 0 || mi < 0 || sec < 0) throw bad();
    return sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec};
}

Command cert_command() {
    return {"cert",
            "Check certificate files offline before go-live: key, chain, trust, names, install "
            "steps",
            cert_options};
}

}  // namespace tlsprobe::cli
