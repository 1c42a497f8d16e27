#ifndef KUBECTL_EVIDENCE_CARCHIVE_SHIM_H
#define KUBECTL_EVIDENCE_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>

// Macros that Swift does not import, re-exported as constants.
static const unsigned int CARCHIVE_AE_IFREG = AE_IFREG;
static const unsigned int CARCHIVE_AE_IFDIR = AE_IFDIR;
static const unsigned int CARCHIVE_AE_IFLNK = AE_IFLNK;
static const int CARCHIVE_ARCHIVE_OK = ARCHIVE_OK;
static const int CARCHIVE_ARCHIVE_EOF = ARCHIVE_EOF;
static const int CARCHIVE_ARCHIVE_WARN = ARCHIVE_WARN;
static const int CARCHIVE_ARCHIVE_RETRY = ARCHIVE_RETRY;
static const int CARCHIVE_ARCHIVE_FAILED = ARCHIVE_FAILED;
static const int CARCHIVE_ARCHIVE_FATAL = ARCHIVE_FATAL;
#endif
