// `tlsprobe cert` reports: the judged certificate files (judge::CertFileResult) as text or
// JSON. Renderers only: every verdict, finding and install step is decided in judge/.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "judge/cert_file.hpp"

namespace tlsprobe::report {

struct CertTextOptions {
    bool color = false;
};

std::string render_cert_text(const judge::CertFileResult& r, const CertTextOptions& options = {});
// {"schema_version", "kind": "certificate_files", ...}; fields in the README JSON section.
nlohmann::json cert_to_json(const judge::CertFileResult& r);
std::string render_cert_json(const judge::CertFileResult& r);

}  // namespace tlsprobe::report
