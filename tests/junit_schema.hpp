// Validation of a JUnit document against the strict Ant JUnit schema
// (tests/data/junit-ant.xsd) with libxml2, for every test that produces JUnit.
#pragma once

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <string>

namespace tlsprobe::test {

namespace detail {
inline std::string& junit_schema_messages() {
    static std::string messages;
    return messages;
}
// libxml2's error callback is variadic; the format string alone says enough for a test log.
inline void collect_junit_schema_message(void*, const char* msg, ...) {
    junit_schema_messages() += msg;
}
}  // namespace detail

// libxml2's messages for `xml` against the strict schema: empty when it parses and is valid.
inline std::string junit_schema_errors(const std::string& xml) {
    auto& errors = detail::junit_schema_messages();
    errors.clear();
    xmlDocPtr doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "junit.xml", nullptr,
                                  XML_PARSE_NONET);
    if (!doc) return "not well-formed XML";
    const auto sink = &detail::collect_junit_schema_message;
    xmlSchemaParserCtxtPtr pctx =
        xmlSchemaNewParserCtxt(TLSPROBE_TESTS_DIR "/data/junit-ant.xsd");
    xmlSchemaPtr schema = xmlSchemaParse(pctx);
    int rc = -1;
    if (schema) {
        xmlSchemaValidCtxtPtr vctx = xmlSchemaNewValidCtxt(schema);
        xmlSchemaSetValidErrors(vctx, reinterpret_cast<xmlSchemaValidityErrorFunc>(sink),
                                reinterpret_cast<xmlSchemaValidityWarningFunc>(sink), nullptr);
        rc = xmlSchemaValidateDoc(vctx, doc);
        xmlSchemaFreeValidCtxt(vctx);
        xmlSchemaFree(schema);
    } else {
        errors = "the schema tests/data/junit-ant.xsd did not parse";
    }
    xmlSchemaFreeParserCtxt(pctx);
    xmlFreeDoc(doc);
    if (rc != 0 && errors.empty()) errors = "invalid (rc " + std::to_string(rc) + ")";
    return errors;
}

}  // namespace tlsprobe::test
