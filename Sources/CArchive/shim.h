#ifndef KUBECTL_EVIDENCE_CARCHIVE_SHIM_H
#define KUBECTL_EVIDENCE_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>

// Macros that Swift does not import, re-exported as constants.
// File types, as archive_entry_filetype() returns them.
static const unsigned int CARCHIVE_AE_IFMT = AE_IFMT;
static const unsigned int CARCHIVE_AE_IFREG = AE_IFREG;
static const unsigned int CARCHIVE_AE_IFDIR = AE_IFDIR;
static const unsigned int CARCHIVE_AE_IFLNK = AE_IFLNK;
static const unsigned int CARCHIVE_AE_IFCHR = AE_IFCHR;
static const unsigned int CARCHIVE_AE_IFBLK = AE_IFBLK;
static const unsigned int CARCHIVE_AE_IFIFO = AE_IFIFO;
static const unsigned int CARCHIVE_AE_IFSOCK = AE_IFSOCK;
// Status codes of every libarchive call.
static const int CARCHIVE_ARCHIVE_OK = ARCHIVE_OK;
static const int CARCHIVE_ARCHIVE_EOF = ARCHIVE_EOF;
static const int CARCHIVE_ARCHIVE_WARN = ARCHIVE_WARN;
static const int CARCHIVE_ARCHIVE_RETRY = ARCHIVE_RETRY;
static const int CARCHIVE_ARCHIVE_FAILED = ARCHIVE_FAILED;
static const int CARCHIVE_ARCHIVE_FATAL = ARCHIVE_FATAL;
#endif
