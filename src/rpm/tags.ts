/**
 * Tag numbers and value types of the RPM header format (rpm's rpmtag.h), limited to the tags
 * distforge reads or writes. Signature-header tags live in {@link SigTag}; main-header tags in
 * {@link Tag}. Numbers are part of the file format and never change.
 */

/** Value types of a header entry. */
export const TagType = {
  NULL: 0,
  CHAR: 1,
  INT8: 2,
  INT16: 3,
  INT32: 4,
  INT64: 5,
  STRING: 6,
  BIN: 7,
  STRING_ARRAY: 8,
  I18NSTRING: 9,
} as const;
export type TagTypeCode = (typeof TagType)[keyof typeof TagType];

/** Region tags: the first entry of a header that marks its immutable region. */
export const RegionTag = {
  HEADERIMAGE: 61,
  HEADERSIGNATURES: 62,
  HEADERIMMUTABLE: 63,
  I18NTABLE: 100,
} as const;

/** Tags of the signature header. */
export const SigTag = {
  /** v4 header-only DSA or EdDSA OpenPGP signature over the main header. */
  DSA: 267,
  /** v4 header-only RSA OpenPGP signature over the main header. */
  RSA: 268,
  /** SHA1 hex digest of the main header. */
  SHA1: 269,
  LONGSIZE: 270,
  LONGARCHIVESIZE: 271,
  /** SHA256 hex digest of the main header. */
  SHA256: 273,
  FILESIGNATURES: 274,
  FILESIGNATURELENGTH: 275,
  VERITYSIGNATURES: 276,
  VERITYSIGNATUREALGO: 277,
  /** v6: base64 OpenPGP signatures over the main header (string array). */
  OPENPGP: 278,
  /** v6: SHA3-256 hex digest of the main header. */
  SHA3_256: 279,
  /** v6: zero-filled space reserved for signatures. */
  RESERVED: 999,
  /** Size of main header + payload. */
  SIZE: 1000,
  /** v3 OpenPGP RSA signature over main header + payload. */
  PGP: 1002,
  /** MD5 of main header + payload (16 bytes). */
  MD5: 1004,
  /** v3 OpenPGP DSA signature over main header + payload. */
  GPG: 1005,
  PGP5: 1006,
  /** Uncompressed payload (cpio archive) size. */
  PAYLOADSIZE: 1007,
  /** v4: zero-filled space reserved for signatures. */
  RESERVEDSPACE: 1008,
} as const;

/** Tags of the main header. */
export const Tag = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SUMMARY: 1004,
  DESCRIPTION: 1005,
  BUILDTIME: 1006,
  BUILDHOST: 1007,
  SIZE: 1009,
  DISTRIBUTION: 1010,
  VENDOR: 1011,
  LICENSE: 1014,
  PACKAGER: 1015,
  GROUP: 1016,
  URL: 1020,
  OS: 1021,
  ARCH: 1022,
  PREIN: 1023,
  POSTIN: 1024,
  PREUN: 1025,
  POSTUN: 1026,
  OLDFILENAMES: 1027,
  FILESIZES: 1028,
  FILEMODES: 1030,
  FILERDEVS: 1033,
  FILEMTIMES: 1034,
  FILEDIGESTS: 1035,
  FILELINKTOS: 1036,
  FILEFLAGS: 1037,
  FILEUSERNAME: 1039,
  FILEGROUPNAME: 1040,
  SOURCERPM: 1044,
  FILEVERIFYFLAGS: 1045,
  ARCHIVESIZE: 1046,
  PROVIDENAME: 1047,
  REQUIREFLAGS: 1048,
  REQUIRENAME: 1049,
  REQUIREVERSION: 1050,
  CONFLICTFLAGS: 1053,
  CONFLICTNAME: 1054,
  CONFLICTVERSION: 1055,
  EXCLUDEARCH: 1059,
  EXCLUSIVEARCH: 1061,
  RPMVERSION: 1064,
  CHANGELOGTIME: 1080,
  CHANGELOGNAME: 1081,
  CHANGELOGTEXT: 1082,
  PREINPROG: 1085,
  POSTINPROG: 1086,
  PREUNPROG: 1087,
  POSTUNPROG: 1088,
  BUILDARCHS: 1089,
  OBSOLETENAME: 1090,
  VERIFYSCRIPT: 1079,
  VERIFYSCRIPTPROG: 1091,
  FILEDEVICES: 1095,
  FILEINODES: 1096,
  FILELANGS: 1097,
  SOURCEPACKAGE: 1106,
  PROVIDEFLAGS: 1112,
  PROVIDEVERSION: 1113,
  OBSOLETEFLAGS: 1114,
  OBSOLETEVERSION: 1115,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
  OPTFLAGS: 1122,
  PAYLOADFORMAT: 1124,
  PAYLOADCOMPRESSOR: 1125,
  PAYLOADFLAGS: 1126,
  PLATFORM: 1132,
  FILECOLORS: 1140,
  FILECLASS: 1141,
  CLASSDICT: 1142,
  PRETRANS: 1151,
  POSTTRANS: 1152,
  PRETRANSPROG: 1153,
  POSTTRANSPROG: 1154,
  FILECAPS: 5010,
  FILEDIGESTALGO: 5011,
  BUGURL: 5012,
  ORDERNAME: 5035,
  ORDERVERSION: 5036,
  ORDERFLAGS: 5037,
  LONGFILESIZES: 5008,
  LONGSIZE: 5009,
  RECOMMENDNAME: 5046,
  RECOMMENDVERSION: 5047,
  RECOMMENDFLAGS: 5048,
  SUGGESTNAME: 5049,
  SUGGESTVERSION: 5050,
  SUGGESTFLAGS: 5051,
  SUPPLEMENTNAME: 5052,
  SUPPLEMENTVERSION: 5053,
  SUPPLEMENTFLAGS: 5054,
  ENHANCENAME: 5055,
  ENHANCEVERSION: 5056,
  ENHANCEFLAGS: 5057,
  ENCODING: 5062,
  /** Per-package file triggers (%filetrigger*): one script, interpreter, flags per trigger… */
  FILETRIGGERSCRIPTS: 5066,
  FILETRIGGERSCRIPTPROG: 5067,
  FILETRIGGERSCRIPTFLAGS: 5068,
  /** …and one name (watched path prefix), index (of its trigger), version, flags per condition. */
  FILETRIGGERNAME: 5069,
  FILETRIGGERINDEX: 5070,
  FILETRIGGERVERSION: 5071,
  FILETRIGGERFLAGS: 5072,
  /** Transaction file triggers (%transfiletrigger*), laid out as the FILETRIGGER* tags. */
  TRANSFILETRIGGERSCRIPTS: 5076,
  TRANSFILETRIGGERSCRIPTPROG: 5077,
  TRANSFILETRIGGERSCRIPTFLAGS: 5078,
  TRANSFILETRIGGERNAME: 5079,
  TRANSFILETRIGGERINDEX: 5080,
  TRANSFILETRIGGERVERSION: 5081,
  TRANSFILETRIGGERFLAGS: 5082,
  /** Priority (-P) of each file trigger and each transaction file trigger. */
  FILETRIGGERPRIORITIES: 5084,
  TRANSFILETRIGGERPRIORITIES: 5085,
  PAYLOADDIGEST: 5092,
  PAYLOADDIGESTALGO: 5093,
  MODULARITYLABEL: 5096,
  PAYLOADDIGESTALT: 5097,
  PAYLOADSIZE: 5112,
  PAYLOADSIZEALT: 5113,
  RPMFORMAT: 5114,
  SOURCENEVR: 5120,
  PAYLOADSHA512: 5121,
  PAYLOADSHA512ALT: 5122,
  PAYLOADSHA3_256: 5123,
  PAYLOADSHA3_256ALT: 5124,
} as const;

/** Dependency sense flags (rpmds.h RPMSENSE_*). */
export const Sense = {
  ANY: 0,
  LESS: 1 << 1,
  GREATER: 1 << 2,
  EQUAL: 1 << 3,
  POSTTRANS: 1 << 5,
  PREREQ: 1 << 6,
  PRETRANS: 1 << 7,
  INTERP: 1 << 8,
  SCRIPT_PRE: 1 << 9,
  SCRIPT_POST: 1 << 10,
  SCRIPT_PREUN: 1 << 11,
  SCRIPT_POSTUN: 1 << 12,
  SCRIPT_VERIFY: 1 << 13,
  FIND_REQUIRES: 1 << 14,
  FIND_PROVIDES: 1 << 15,
  TRIGGERIN: 1 << 16,
  TRIGGERUN: 1 << 17,
  TRIGGERPOSTUN: 1 << 18,
  MISSINGOK: 1 << 19,
  PREUNTRANS: 1 << 20,
  POSTUNTRANS: 1 << 21,
  RPMLIB: 1 << 24,
  TRIGGERPREIN: 1 << 25,
  KEYRING: 1 << 26,
  CONFIG: 1 << 28,
} as const;

/** File flags (rpmfiles.h RPMFILE_*). */
export const FileFlag = {
  CONFIG: 1 << 0,
  DOC: 1 << 1,
  ICON: 1 << 2,
  MISSINGOK: 1 << 3,
  NOREPLACE: 1 << 4,
  SPECFILE: 1 << 5,
  GHOST: 1 << 6,
  LICENSE: 1 << 7,
  README: 1 << 8,
  PUBKEY: 1 << 11,
  ARTIFACT: 1 << 12,
} as const;

/** OpenPGP hash algorithm ids used by FILEDIGESTALGO and PAYLOADDIGESTALGO. */
export const HashAlgo = {
  MD5: 1,
  SHA1: 2,
  SHA256: 8,
  SHA384: 9,
  SHA512: 10,
  SHA224: 11,
} as const;
