#include "cli/merge_command.hpp"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <optional>

#include "cli/cli_common.hpp"
#include "cli/scan_command.hpp"
#include "report/html.hpp"
#include "report/scan_report.hpp"

namespace tlsprobe::cli {

namespace {

namespace fs = std::filesystem;

struct MergeArgs {
    std::vector<std::string> inputs;
    std::string jsonl;
    std::string csv;
    std::string html;
    bool no_color = false;
};

// A file written line by line through FILE.tmp, renamed over FILE only when complete: an
// interrupted merge never leaves half a report (as write_file does for whole documents).
class StreamedFile {
public:
    StreamedFile(std::string option, std::string path)
        : option_(std::move(option)), path_(std::move(path)), tmp_(path_ + ".tmp"),
          out_(tmp_, std::ios::binary | std::ios::trunc) {
        if (!out_)
            throw UsageError(fmt::format("{} '{}': cannot write '{}'", option_, path_, tmp_));
    }
    StreamedFile(const StreamedFile&) = delete;
    StreamedFile& operator=(const StreamedFile&) = delete;
    ~StreamedFile() {
        if (!committed_) {
            out_.close();
            std::error_code ec;
            fs::remove(tmp_, ec);
        }
    }
    std::ofstream& stream() { return out_; }
    void commit() {
        out_.close();
        std::error_code ec;
        if (!out_ || (fs::rename(tmp_, path_, ec), ec))
            throw UsageError(fmt::format("{} '{}': write failed", option_, path_));
        committed_ = true;
    }

private:
    std::string option_, path_, tmp_;
    std::ofstream out_;
    bool committed_ = false;
};

// An output must not be one of the inputs: the merge would read what it is overwriting.
void check_not_an_input(std::string_view option, const std::string& output,
                        const std::vector<std::string>& inputs) {
    if (output.empty()) return;
    check_output_path(option, output);
    for (const auto& in : inputs) {
        std::error_code ec;
        if (fs::equivalent(in, output, ec))
            throw UsageError(
                fmt::format("{} '{}' is also an input: write the merge to another file", option,
                            output));
    }
}

int run_merge(const MergeArgs& a, std::ostream& out, std::ostream& err) {
    for (const auto& in : a.inputs) {
        std::error_code ec;
        if (!fs::is_regular_file(in, ec))
            throw UsageError(fmt::format("'{}': {}", in,
                                         fs::exists(in, ec) ? "not a regular file"
                                                            : "no such file"));
    }
    check_not_an_input("--jsonl", a.jsonl, a.inputs);
    check_not_an_input("--csv", a.csv, a.inputs);
    check_not_an_input("--html", a.html, a.inputs);

    std::optional<StreamedFile> jsonl, csv;
    if (!a.jsonl.empty()) jsonl.emplace("--jsonl", a.jsonl);
    if (!a.csv.empty()) {
        csv.emplace("--csv", a.csv);
        csv->stream() << report::csv_header();
    }
    report::ScanMerge merge;
    for (const auto& path : a.inputs) {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw UsageError(fmt::format("'{}': cannot read", path));
        const auto& shard = merge.add(path, in, [&](const nlohmann::json& record) {
            if (jsonl)
                jsonl->stream() << record.dump(-1, ' ', false,
                                               nlohmann::json::error_handler_t::replace)
                                << '\n';
            if (csv) csv->stream() << report::csv_row(record);
        });
        std::string note;
        if (shard.duplicates) note += fmt::format(", {} duplicate record(s) skipped", shard.duplicates);
        if (shard.ignored_lines)
            note += fmt::format(", {} torn or malformed line(s) skipped", shard.ignored_lines);
        if (!shard.finished)
            note += "; no final summary: this shard did not finish (run it again with --resume)";
        err << fmt::format("{}: {} target record(s){}\n", path, shard.records, note);
    }
    const auto& summary = merge.summary();
    if (jsonl) {
        jsonl->stream() << summary.to_json().dump() << '\n';
        jsonl->commit();
    }
    if (csv) csv->commit();
    if (!a.html.empty()) write_file(a.html, report::render_html(summary));
    out << report::render_scan_summary(summary, {.color = want_color(a.no_color)});
    if (summary.stopped)
        err << "tlsprobe: some shards did not finish: the merged summary covers what they wrote.\n";
    return scan_exit_code(summary);
}

CommandRun merge_options(CLI::App& command) {
    auto args = std::make_shared<MergeArgs>();
    auto& a = *args;
    command.description(
        "Merge the JSONL outputs of a sharded scan (tlsprobe scan --shard K/N --jsonl FILE) into "
        "the\n"
        "report of the whole scan: the summary on standard output, and the merged JSONL, CSV and "
        "HTML.\n"
        "A target found in several files is taken once (the first file wins); torn lines of a "
        "killed\n"
        "shard are skipped and counted; a shard without its final summary line is reported as "
        "unfinished.");
    command.footer(
        "Examples:\n"
        "  tlsprobe merge part-*.jsonl\n"
        "  tlsprobe merge part-*.jsonl --jsonl all.jsonl --csv all.csv --html all.html\n"
        "Exit codes: as tlsprobe scan (0 nothing high-severity; 1 some target has a "
        "high-severity\n"
        "finding, no TLS, or timed out; 2 usage error or unreadable file; 3 no target reachable).");
    command.add_option("files", a.inputs, "The shards' JSONL files")->required();
    command.add_option("--jsonl", a.jsonl,
                       "Write the merged records, then one summary line, to FILE");
    command.add_option("--csv", a.csv, "Write one CSV row per target to FILE");
    command.add_option("--html", a.html, "Write the merged summary as one self-contained HTML page");
    command.add_flag("--no-color", a.no_color, "No ANSI colours in the summary");
    return [args](std::ostream& out, std::ostream& err) { return run_merge(*args, out, err); };
}

}  // namespace

Command merge_command() {
    return {"merge", "Merge the JSONL outputs of a sharded scan into one summary/JSONL/CSV/HTML",
            merge_options};
}

}  // namespace tlsprobe::cli
