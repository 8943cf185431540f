"""Risk classification of AI answers: which advice needs a security reviewer's second approval.

An answer is high risk when it, its question or a passage it drew on tells someone to *do* something
risky: a command, a configuration or an instruction that opens access, exposes credentials or data,
switches a security check off, or destroys or rewrites something shared. Mentioning a sensitive word
is not enough ("ask IT to reset your password", "the firewall team owns that change"): a classifier
that flags every mention floods the security reviewers and teaches them to rubber-stamp.

Text is classified as a reader sees it. Each text is taken twice: rendered the way the forum renders
it (Markdown, sanitised HTML, tags stripped, entities decoded) and raw (entities decoded, Markdown
backslash escapes removed, because code spans show both literally and a shell undoes a backslash);
both are then normalised (NFKC, invisible format characters removed, look-alike dashes and letters
mapped to ASCII) and a rule matching either counts. So neither an entity, an escape, a zero-width
character nor a full-width or Cyrillic letter hides "rm -rf".

Rules are grouped by topic; each names what it matched, as the reader sees it. A rule's match is
discounted when its own clause tells the reader *not* to do it ("never run `rm -rf` on shared hosts",
"instead of `verify=False`") or recounts an incident ("was caused by someone running `DROP TABLE`").
The labelled set in tests/data/risk/ and bench/risk.py measure recall and false alarms.
"""
import html
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from forum.markup import render_markdown

# --- Normalisation ------------------------------------------------------------------------------

# Invisible characters a reader does not see but that split a word for a pattern: zero-width
# (U+200B-U+200D, U+2060, U+FEFF), soft hyphen, bidi controls, variation selectors, tag characters.
_INVISIBLE_RANGES = [
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0xE0000, 0xE0FFF),
]
# Look-alikes: Unicode dashes and minus signs read as "-"; Cyrillic and Greek letters that render
# like Latin ones read as those (NFKC leaves them alone).
_LOOKALIKES = {
    **{c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\u02d7\ufe58\ufe63\uff0d\u2e3a\u2e3b"},
    **dict(zip("аеорсухѕіјһԁԛԝӏАВЕКМНОРСТХЅІЈУ", "aeopcyxsijhdqwlABEKMHOPCTXSIJY", strict=True)),
    **dict(zip("οαρνικτΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "oapvikTABEZHIKMNOPTYX", strict=True)),
}
_TRANSLATE = {
    **{cp: None for start, end in _INVISIBLE_RANGES for cp in range(start, end + 1)},
    **{ord(k): v for k, v in _LOOKALIKES.items()},
}
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_CODE_TAG = re.compile(r"</?code\b[^>]*>", re.IGNORECASE)
_CELL_TAG = re.compile(r"</?t[dh]\b[^>]*>", re.IGNORECASE)
_BLOCK_TAG = re.compile(r"</?(?:p|br|hr|pre|li|ul|ol|h[1-6]|blockquote|table|thead|tbody|tr)\b[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^>]*>")


def _normalised(text: str) -> str:
    """NFKC, invisible characters removed, look-alike dashes and letters mapped to ASCII."""
    return unicodedata.normalize("NFKC", text).translate(_TRANSLATE)


def _rendered(text: str) -> str:
    """The text a reader sees: the forum's Markdown rendering, tags stripped, entities decoded.

    Code spans keep a backtick at each end: that is where a command ends, which the rules need
    (the reader sees the code box).
    """
    markup = render_markdown(text)
    markup = _CODE_TAG.sub("`", markup)
    markup = _CELL_TAG.sub(" ", markup)
    markup = _BLOCK_TAG.sub("\n", markup)
    return html.unescape(_ANY_TAG.sub("", markup))


def reader_forms(text: str) -> tuple[str, ...]:
    """The normalised forms of ``text`` that are classified: rendered, and raw (escapes undone)."""
    rendered = _normalised(_rendered(text))
    raw = _normalised(html.unescape(_MD_ESCAPE.sub(r"\1", text)))
    return (rendered,) if raw == rendered else (rendered, raw)


# --- Rules --------------------------------------------------------------------------------------

FLAGS = re.IGNORECASE
# Up to n characters inside one sentence: a full stop followed by a non-space ("settings.py") is
# not the end of one.
_SENTENCE_END = re.compile(r"[.!?;](?:\s|$)|\n")


def _within(n: int) -> str:
    return rf"(?:[^.!?;\n]|[.!?;](?=\S)){{0,{n}}}?"


def _sentence_around(text: str, start: int, end: int) -> str:
    before = text[max(0, start - 300):start]
    cut = max((m.end() for m in _SENTENCE_END.finditer(before)), default=0)
    after = _SENTENCE_END.search(text, end, min(len(text), end + 300))
    return before[cut:] + text[start:after.start() if after else min(len(text), end + 300)]


def _near(pattern: str, chars: int = 200) -> Callable[[re.Match, str], bool]:
    """Accept a match only when ``pattern`` occurs within ``chars`` characters of it."""
    compiled = re.compile(pattern, FLAGS)

    def accept(match: re.Match, text: str) -> bool:
        return bool(compiled.search(text, max(0, match.start() - chars), match.end() + chars))
    return accept


def _in_sentence(pattern: str, *, unless: str | None = None) -> Callable[[re.Match, str], bool]:
    """Accept a match only when its sentence contains ``pattern`` (and not ``unless``)."""
    wanted = re.compile(pattern, FLAGS)
    unwanted = re.compile(unless, FLAGS) if unless else None

    def accept(match: re.Match, text: str) -> bool:
        sentence = _sentence_around(text, match.start(), match.end())
        return bool(wanted.search(sentence)) and not (unwanted and unwanted.search(sentence))
    return accept


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern
    # Lower-case strings of which every match contains at least one: a rule whose strings are all
    # absent from a text is not run on it (a substring test costs far less than a regex scan).
    needs: tuple[str, ...]
    accept: Callable[[re.Match, str], bool] | None = None
    # Whether "never ..."/"instead of ..." in the match's own clause makes it a warning, not advice.
    negatable: bool = True
    # Whether a negation inside the match counts too ("passwords are never stored in plaintext").
    negatable_inside: bool = False
    # How the match is shown in the reason; by default the matched text itself.
    shown: Callable[[re.Match], str] | None = None


def _rule(pattern: str, needs: str | tuple[str, ...], accept=None, **options) -> Rule:
    return Rule(re.compile(pattern, FLAGS), (needs,) if isinstance(needs, str) else needs, accept, **options)


@dataclass(frozen=True)
class Topic:
    name: str
    rules: tuple[Rule, ...]


# Shared vocabulary.
_SHARED_BRANCH = r"(?:main|master|develop|development|trunk|release[\w./-]*|prod[\w./-]*|production|staging|stable)"
_SYSTEM_PATH = (r"/(?:\*|(?:etc|usr|var|bin|sbin|lib\w*|boot|root|home|opt|srv|sys|proc|dev|mnt)"
                r"(?:/(?:bin|sbin|lib\w*|local|share|log|run|spool|www))?/?\*?)?(?=$|[\s`'\";)|&])")
_BROAD = (r"(?:everyone|everybody|anyone|all\s+(?:the\s+)?(?:employees|staff|users|engineers|engineering|members|"
          r"contractors|vendors|company)|(?:the\s+)?(?:whole|entire)\s+(?:company|org\w*|staff|internet|"
          r"engineering\s+org)|the\s+(?:public|internet|world)|public\s+internet|all-(?:employees|staff|company|"
          r"users|hands|engineering)|(?:the\s+)?(?:employees|staff|everyone|all[- ]employees|all[- ]staff|"
          r"all[- ]users|company)\s+group|domain\s+users|authenticated\s+users|everyone@\S*|all@\S*|all-staff@\S*|"
          r"company-wide|allusers|allauthenticatedusers)"
          r"(?!\s+(?:on|in|from|at|of)\s+(?:the|your|our|this|my)\s+(?:team|squad|channel|meeting|call|thread|"
          r"project|rotation|review|pod)\b)(?!\s+who\s+(?:needs?|asks?|requests?))")
_SECRET = (r"(?:[a-z0-9_]*_(?:secret|token|password|passwd|api_key|access_key|private_key)(?:_[a-z0-9_]*)?|passwords?|passphrases?|passwd|secrets?(?!\s+(?:manager|management|scanning|scanner|module|engine|"
           r"store|operator))|api[ _-]?keys?|access[ _-]?keys?|secret[ _-]?keys?|private[ _-]?keys?|ssh[ _-]?keys?|"
           r"deploy[ _-]?keys?|signing[ _-]?keys?|tokens?|credentials?|creds|\.pem\b|id_rsa|id_ed25519(?!\.pub)|"
           r"kubeconfig|\.env\b|service[ -]account\s+(?:json\s+)?(?:keys?|json)|key\s*files?|bearer\s+tokens?)")
_SECRET_DESTINATION = (r"(?:chat|channels?|slack|teams|thread|forum|tickets?|jira|wiki|confluence|e-?mail|mail|readme|"
                       r"docs?|document|spreadsheet|sheet|logs?|stdout|console|plain ?text|clear ?text|pastebin|gist|"
                       r"notes?|repo(?:sitory)?|git|image|contractor|vendor|team|everyone|me|us|here|public|desktop|"
                       r"/tmp|shared|rotation|#[\w-]+)\b")
_BROAD_KEYS = ("everyone", "everybody", "anyone", "employees", "staff", "users", "engineer", "members", "contractors",
               "vendors", "company", "whole", "entire", "public", "internet", "world", "all-", "all@", "allusers")
_SECRET_KEYS = ("pass", "secret", "key", "token", "credential", "creds", ".pem", "id_rsa", "id_ed25519", "kubeconfig",
                ".env", "service")
_PERSONAL_KEYS = ("user", "customer", "client", "employee", "staff", "member", "subscriber", "patient", "contact",
                  "people", "person", "candidate", "applicant", "student", "citizen", "account", "hr", "payroll")
_PII_KEYS = ("personal", "pii", "phi", "identifiable", "mail", "phone", "address", "social security", "ssn", "card",
             "passport", "birth", "salar", "medical", "health", "hr records")
_PERSONAL = (r"(?:users?|customers?|clients?|employees?|staff|members?|subscribers?|patients?|contacts?|people|persons|"
             r"candidates?|applicants?|students?|citizens?|accounts?|hr|payroll|personnel)")
_PERSONAL_DATA = (r"(?:list|lists|data|table|tables|records?|e-?mails?|e-?mail\s+addresses|addresses|details|directory|"
                  r"database|db|info\w*|profiles?|phone\s+numbers|pii|export|dump|csv|spreadsheet|collection|index)")
_PII = (r"(?:personal\s+(?:data|information|details)|pii|phi|personally\s+identifiable\w*|e-?mail\s+addresses|"
        r"phone\s+numbers?|home\s+address(?:es)?|social\s+security\s+numbers?|ssns?|credit\s+card\s+(?:numbers?|data|"
        r"details)|card\s+numbers|passport\s+(?:numbers|scans|copies)|dates?\s+of\s+birth|salar(?:y|ies)|"
        r"medical\s+records|health\s+records|hr\s+records)")
_EXPORT_VERB = (r"(?:export|dump|download|extract|pull|copy|send|share|e-?mail|upload|forward|scrape|sync|mirror|"
                r"transfer|attach|paste|hand\s+over|provide|post|give|put|move)\w*")
_PROD = r"\b(?:prod|production|live|primary)\b|[\w-]prod\b|\bprod[\w-]"
_LOCAL = r"\b(?:localhost|127\.0\.0\.1|local|dev|development|laptop|your\s+machine)\b"
_DATA_PORTS = (r"(?:3306|5432|6379|27017|27018|9200|9300|11211|2375|2376|2379|5984|3389|23|1433|1521|5601|8086|9042|"
               r"15672|5672|6443|10250)")

ACCESS = Topic("Access control and permissions", (
    # World-writable modes: octal with write for others, or symbolic o/a write.
    _rule(r"\bchmod\s+(?:-[a-z]+\s+|--[\w-]+\s+)*0?[0-7]?[0-7]{2}[2367]\b", "chmod"),
    _rule(r"\bchmod\s+(?:-[a-z]+\s+|--[\w-]+\s+)*(?:[ugoa]*[+=-][rwxXst]*,)*[ugo]*[oa][ugo]*[+=][rwxXst]*w", "chmod"),
    _rule(r"\bchmod\s+(?:-[a-z]+\s+|--[\w-]+\s+)*(?:[4-7][0-7]{3}\b|u\+[rwx]*s)", "chmod"),  # setuid
    _rule(r"\b(?:chmod|chown|chgrp|setfacl)\b(?=[^\n;&|`]*\s(?:-[a-z]*R|--recursive))[^\n;&|`]*?\s" + _SYSTEM_PATH, ("chmod", "chown", "chgrp", "setfacl")),
    _rule(r"\bsetfacl\s+(?:-[a-z]+\s+)*-[a-z]*R", "setfacl"),
    _rule(r"\bsetfacl\b[^\n;&|`]*\s-m\s+(?:o|other)::?[r-]?w", "setfacl"),
    _rule(r"\bumask\s+[0-7]{0,3}[0145]\b", "umask"),
    _rule(r"\b(?:file_mode|dir_mode|defaultmode|mode)[\"']?\s*[:=]\s*[\"']?0?[0-7]?[0-7]{2}[2367]\b", "mode"),
    _rule(r"\bworld[- ]?writ(?:e)?able\b|\b(?:0?777|0?666|a\+rwx)\s+(?:permissions|mode|access)\b", ("world", "777", "666", "a+rwx")),
    _rule(r"\bicacls\b[^\n]*?/grant(?::r)?\s+\"?(?:\*S-1-1-0|everyone|users|authenticated users|domain users|"
          r"builtin\\users)\"?:", "icacls"),
    _rule(r"\b(?:everyone|authenticated\s+users|domain\s+users)\b(?:\s+group)?" + _within(40)
          + r"\b(?:full\s+control|modify|write)\b", ("everyone", "authenticated", "domain users")),
    # Databases: privileges for everyone, all privileges, superuser.
    _rule(r"\bgrant\b" + _within(120) + r"\bto\s+public\b", "grant"),
    _rule(r"\bgrant\s+all(?:\s+privileges)?\b", "grant"),
    _rule(r"\bwith\s+grant\s+option\b|\bon\s+\*\.\*\s+to\b|\bto\s+'?[\w-]+'?@'%'", ("grant option", "*.*", "@'%'")),
    _rule(r"\bgrant\s+(?:rds_superuser|pg_read_all_data|pg_write_all_data|pg_execute_server_program|"
          r"pg_read_server_files|pg_write_server_files|azure_pg_admin|cloudsqlsuperuser|dba|sysadmin|db_owner|super)\b", "grant"),
    _rule(r"\b(?:alter|create)\s+(?:role|user)\s+[\w.\"]+\s+(?:with\s+)?(?:\w+\s+)*?(?:superuser|bypassrls|createrole)\b", ("superuser", "bypassrls", "createrole")),
    # Kubernetes RBAC.
    _rule(r"\bcluster-?admin\b", ("cluster-admin", "clusteradmin"), _near(r"\b(?:bind|binding|rolebinding|roleref|clusterrole=|grant|give|assign|add)")),
    _rule(r"\bsystem:masters\b", "system:masters"),
    _rule(r"\b(?:verbs|resources)\s*:\s*\[\s*[\"']\*[\"']", ("verbs", "resources")),
    # Cloud IAM: wildcards, administrator policies, public principals.
    _rule(r"\"?principal\"?\s*[:=]\s*(?:\{\s*\"?aws\"?\s*[:=]\s*)?\[?\s*[\"']\*[\"']", "principal"),
    _rule(r"\"?action\"?\s*[:=]\s*\[?\s*[\"'](?:\*|(?:iam|sts|kms|organizations|s3|ec2|secretsmanager|\*):\*)[\"']", "action"),
    _rule(r"\b(?:iam|sts|kms|organizations):\*", ":*"),
    _rule(r"\bAdministratorAccess\b", "administratoraccess", _near(r"\b(?:attach|add|give|grant|assign|put|arn)")),
    _rule(r"\ballusers\b|\ballauthenticatedusers\b|\bdomain:[\w-]+\.[a-z]{2,}", ("allusers", "allauthenticatedusers", "domain:")),
    _rule(r"\b(?:give|grant|assign|add|make)\w*\b" + _within(40)
          + r"\b(?:owner|admin(?:istrator)?|editor|full\s+access|full\s+control|root)\b" + _within(30)
          + r"\bon\s+(?:the\s+)?prod(?:uction)?\b", "prod"),
    # Public buckets, containers, repositories, links.
    _rule(r"\bpublic-read(?:-write)?\b", "public-read"),
    _rule(r"\b(?:block_?public_?\w*|restrict_?public_?buckets|ignore_?public_?acls)[\"']?\s*[:=]\s*[\"']?false", "public"),
    _rule(r"\b(?:turn\s+off|disable|remove|switch\s+off|uncheck|untick|deactivate)\w*\b" + _within(30)
          + r"\bblock\s+(?:all\s+)?public\s+access\b", "block"),
    _rule(r"\banonymous\s+(?:read\s+)?access\b", "anonymous", _near(r"\b(?:enable|allow|set|level|turn\s+on|grant)", 80)),
    _rule(r"\ballow_?blob_?public_?access[\"']?\s*[:=]?\s*[\"']?true|--public-access\s+(?:blob|container)\b", ("blob", "public-access")),
    _rule(r"\bpublicly[_ -]?accessible[\"']?\s*[:=]\s*[\"']?true\b|--publicly-accessible\b", "publicly"),
    _rule(r"\b(?:make|set|change|switch|turn|convert|mark|flip)\w*\s+" + _within(40)
          + r"\b(?:bucket|container|blob|repo|repository|project|folder|drive|share|files?|dataset|dashboard|"
            r"sheet|spreadsheet|doc|document|notebook|snapshot|ami|image|index|category|space|channel|page|board|"
            r"visibility|it|them|link|calendar|site|wiki|gist|instance|database|db|cluster|endpoint)\b"
          + _within(25) + r"\b(?:to|into|as)?\s*(?:an?\s+)?public\b(?!\s+(?:key|keys|ip|api|holiday|method))", "public"),
    _rule(r"\b(?:make|set|change|switch|turn|convert|mark|flip)\w*\b" + _within(50)
          + r"\b(?:restricted|private|confidential)\b" + _within(50) + r"\b(?:open|public|unrestricted)\b", ("restricted", "private", "confidential")),
    _rule(r"\brestricted[\"']?\s*[:=]\s*[\"']?false\b", "restricted"),
    _rule(r"\b(?:uncheck|untick)\w*\b" + _within(20) + r"\brestricted\b", "restricted"),
    # Sharing and granting to everyone.
    _rule(r"\banyone\s+(?:with|who\s+has)\s+the\s+link\b", "anyone"),
    _rule(r"\b(?:share|sharing|shared|grant\w*|open\w*\s+up|expose\w*|assign\w*|allow\w*|extend\w*|"
          r"make\s+\S+\s+(?:available|accessible|visible|readable|writable))\b" + _within(80)
          + r"\b(?:with|to|for)\s+(?:the\s+)?" + _BROAD, _BROAD_KEYS),
    _rule(r"\b(?:give|giving|grant\w*|allow\w*|let)\s+(?:the\s+)?" + _BROAD + _within(40)
          + r"\b(?:access|permissions?|rights?|read|write|view|edit|admin|owner|membership|role|control)\b", _BROAD_KEYS),
    _rule(r"\badd\w*\s+(?:the\s+)?" + _BROAD + _within(40) + r"\bto\b" + _within(40)
          + r"\b(?:private|restricted|confidential|secret|incident\w*|security|sec-\w+|admins?|hr|legal|finance|"
            r"payroll|salary)\b", _BROAD_KEYS),
    # People made administrators.
    _rule(r"\b(?:is_superuser|is_staff)\s*=\s*true\b", ("is_superuser", "is_staff")),
    _rule(r"\b(?:tick|check|enable|give|grant|promote|assign|toggle)\w*\b" + _within(50) + r"\bsuperuser\b", "superuser"),
    _rule(r"\bmake\s+(?!sure\b)(?:\S+\s+){1,4}?(?:an?\s+)?(?:superuser|(?:domain\s+|global\s+|org\w*\s+|cluster\s+|"
          r"db\s+|database\s+)?admin(?:istrator)?|owner|root)\b", ("superuser", "admin", "owner", "root")),
    _rule(r"\b(?:add|put|move)\w*\b" + _within(50) + r"\b(?:to|in|into)\s+(?:the\s+)?(?:domain\s+admins|"
          r"enterprise\s+admins|administrators|local\s+administrators|sudoers|sudo\s+group|wheel(?:\s+group)?|"
          r"admins\s+group|root\s+group|org\w*\s+owners)\b", ("admins", "administrators", "sudo", "wheel", "root group", "owners")),
    _rule(r"\bNOPASSWD\s*:\s*ALL\b|\bALL\s*=\s*\(ALL(?::ALL)?\)\s*ALL\b", ("nopasswd", "(all")),
    _rule(r"\busermod\s+(?:-\w+\s+)*-[a-z]*G\s+(?:\S*,)?(?:sudo|wheel|root|adm|admin)\b", "usermod"),
    # Containers with the host's privileges.
    _rule(r"--privileged\b|\bprivileged\s*:\s*true\b|\ballowPrivilegeEscalation\s*:\s*true\b|"
          r"--cap-add[= ](?:ALL|SYS_ADMIN)\b|\bhost(?:PID|IPC)\s*:\s*true\b|\s-v\s+/:/|/var/run/docker\.sock:", ("privilege", "cap-add", "hostpid", "hostipc", "/:/", "docker.sock")),
))

CREDENTIALS = Topic("Credentials and secrets", (
    # A secret in the text itself.
    _rule(r"\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{20,}|\bgithub_pat_\w{20,}|\bxox[abprs]-[A-Za-z0-9-]{10,}|"
          r"\b[rs]k_live_[0-9a-zA-Z]{10,}|-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----|\bAIza[0-9A-Za-z_-]{35}\b|"
          r"\bglpat-[\w-]{20,}|\bnpm_[A-Za-z0-9]{36}\b", ("akia", "gh", "github_pat_", "xox", "k_live_", "private key-----", "aiza", "glpat-", "npm_"), negatable=False,
          shown=lambda m: m.group(0)[:12] + "…"),
    _rule(r"(?P<name>\b(?:[a-z0-9]+[_.-])*(?:password|passwd|pwd|secret|secret[_-]?key|token|api[_-]?key|"
          r"access[_-]?key|private[_-]?key|client[_-]?secret|auth[_-]?token))[\"'\]]*\s*[:=]\s*"
          r"(?:(?P<q>[\"'])(?P<quoted>[^\"'\s]{4,})(?P=q)|(?P<bare>[^\s\"'`,;)\]}]{6,}))", ("pass", "pwd", "secret", "token", "key"),
          lambda m, text: _literal_secret(m), negatable=False,
          shown=lambda m: f"{m.group('name')} = {(m.group('quoted') or m.group('bare'))[:2]}…"),
    # Passwords on command lines and in URLs.
    _rule(r"\bmysql(?:dump|admin)?\b[^\n]{0,80}?\s(?-i:-p)(?![\s$])\S+", "mysql"),
    _rule(r"\bcurl\b[^\n]{0,80}?\s(?:-u|--user)\s+[^\s:]+:(?![\s$])[^\s@]+", "curl"),
    _rule(r"\bsshpass\s+-p\s*\S+|--password[= ](?![-$])[\"']?[^\s\"']{3,}", ("sshpass", "--password")),
    _rule(r"\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:(?![$<{])(?P<pw>[^/\s:@'\"]{3,})@(?!localhost\b|127\.0\.0\.1\b)", "://",
          lambda m, text: not _PLACEHOLDER.search(m.group("pw")), shown=lambda m: m.group(0).split(":")[0] + "://…@"),
    # Secrets committed, baked into images, pasted, sent, printed or logged.
    _rule(r"\b(?:commit|check(?:ing)?\s+in|git\s+add)\w*\b" + _within(60) + r"(?:\b|(?=\.))" + _SECRET, ("commit", "check", "git add")),
    _rule(r"\b(?:add|put|store|keep|save)\w*\b" + _within(40) + r"(?:\b|(?=\.))" + _SECRET + _within(40)
          + r"\b(?:to|in|into)\s+(?:the\s+|our\s+|your\s+)?(?:repo(?:sitory)?|git|source\s+control|"
            r"version\s+control|codebase|readme|image|dockerfile|container\s+image)\b", ("repo", "git", "source control", "version control", "codebase", "readme", "image", "dockerfile")),
    _rule(r"\bCOPY\s+\S*(?:id_rsa|id_ed25519(?!\.pub)|\.pem|\.env|credentials|\.key)\b", "copy"),
    _rule(r"\b(?:paste|post|share|send|e-?mail|slack|dm|message|forward|upload|put|write|store|save|keep|print|echo|"
          r"leave|add|export)\w*\b" + _within(60) + r"(?:\b|(?=\.))" + _SECRET + _within(60)
          + r"\b(?:in|into|to|on|via|over|with|under)\s+" + _within(25) + r"(?:\b|(?=[#/]))" + _SECRET_DESTINATION, _SECRET_KEYS),
    _rule(r"(?:\b|(?=\.))" + _SECRET + _within(50) + r"\b(?:upload|paste|post|share|send|e-?mail|commit|push|forward)"
          r"\w*\s+(?:it|them|that|this)\b" + _within(30) + r"\b(?:to|in|into|on|with)\b" + _within(20)
          + r"(?:\b|(?=[#/]))" + _SECRET_DESTINATION, _SECRET_KEYS),
    _rule(r"\b(?:echo|print|printf|printenv|cat|console\.log|puts)\b[^\n]{0,30}?\$\{?\w*(?:token|secret|password|"
          r"passwd|key|credential)s?\w*\}?", "$"),
    _rule(r"\blog(?:s|ged|ging)?\s+(?:the\s+|all\s+|every\s+|full\s+|raw\s+)*(?:request\s+)?(?:authorization|bearer|"
          r"passwords?|tokens?|secrets?|credentials?|api\s+keys?|cookies?)\b", "log"),
    _rule(r"(?:\b|(?=\.))" + _SECRET + _within(40) + r"\b(?:in\s+)?(?:plain\s?text|clear\s?text|unencrypted)\b", ("plain", "clear", "unencrypted"),
          negatable_inside=True),
    _rule(r"\b(?:plain\s?text|clear\s?text|unencrypted)\s+(?:passwords?|secrets?|credentials?|keys?|tokens?)\b", ("plain", "clear", "unencrypted")),
    _rule(r"\b(?:cp|scp|rsync|copy|move|mv|upload|share|send)\b" + _within(40)
          + r"(?:~?/?\.aws/credentials|\bid_rsa\b|\bid_ed25519\b(?!\.pub)|\.kube/config|\bkubeconfig\b|"
            r"\bservice-account\S*\.json|\.npmrc\b|\.pypirc\b|\.netrc\b)", (".aws/credentials", "id_rsa", "id_ed25519", ".kube/config", "kubeconfig", "service-account", ".npmrc", ".pypirc", ".netrc")),
    # Database passwords set in SQL end up in server logs and shell history.
    _rule(r"\b(?:alter|create)\s+(?:role|user)\b[^;\n]{0,80}?\b(?:password|identified\s+by)\b|\bset\s+password\s+for\b", ("password", "identified")),
    _rule(r"\bpasswords?\b" + _within(40) + r"\b(?:with|via|using)\s+(?:an?\s+)?alter\s+(?:role|user)\b", "alter"),
    # Weakening how secrets are handled.
    _rule(r"\b(?:disable|turn\s+off|switch\s+off|bypass|skip|remove|uninstall)\w*\b" + _within(40)
          + r"\b(?:secret\s+scanning|push\s+protection|gitleaks|trufflehog|detect-secrets|git-secrets)\b", ("secret scanning", "push protection", "gitleaks", "trufflehog", "detect-secrets", "git-secrets")),
    _rule(r"\b(?:reuse|re-use|same)\b" + _within(40) + r"\bpasswords?\b", "password"),
    _rule(r"\b(?:disable|turn\s+off|remove)\w*\b" + _within(20)
          + r"\bpassword\s+(?:expiry|expiration|rotation|policy|complexity)\b", "password"),
    _rule(r"(?:\b|(?=\.))" + _SECRET + _within(60)
          + r"\b(?:no|without(?:\s+an?)?|never|non)[ -]?expir\w*|\bnon-?expiring\s+(?:tokens?|keys?)\b", "expir"),
))

NETWORK = Topic("Network exposure and disabled security checks", (
    # Open to the internet.
    _rule(r"(?<![\d.])0\.0\.0\.0/0\b|(?<![\w:])::/0\b", ("0.0.0.0/0", "::/0"),
          lambda m, text: _ingress(m, text)),
    _rule(r"\b(?:open|expose|allow|permit|accept|whitelist|allowlist)\w*\b" + _within(60)
          + r"\b(?:from|to|for)\s+(?:the\s+)?(?:world|internet|anywhere|any\s*where|any\s+(?:ip|source|address|host)|"
            r"all\s+(?:ips|sources|addresses|hosts)|everyone|public)\b", ("world", "internet", "where", "any", "all", "everyone", "public"),
          _in_sentence(r"\b(?:ports?|firewall|security\s+group|sg|nsg|inbound|ingress|\d{2,5}|ssh|rdp|database|db|"
                       r"redis|tcp|udp|traffic|rule)\b")),
    _rule(r"--source-address-prefix(?:es)?\s+[\"']?\*|\bsource_?address_?prefix(?:es)?[\"']?\s*[:=]\s*[\"']?\*", "address"),
    _rule(r"\bufw\s+allow\s+(?!from\b)(?:in\s+)?(?:proto\s+\w+\s+)?(?:to\s+any\s+)?(?:port\s+)?" + _DATA_PORTS + r"\b", "ufw"),
    _rule(r"\biptables\b(?![^\n]*\s-s\s)[^\n]*--dport\s+" + _DATA_PORTS + r"\b[^\n]*-j\s+ACCEPT", "iptables"),
    _rule(r"\bbind\w*\b" + _within(30) + r"\b0\.0\.0\.0\b(?!/)", "0.0.0.0",
          _near(r"\b(?:redis|mongo\w*|memcache\w*|elastic\w*|etcd|protected-mode|without\s+auth|no\s+auth|--auth)\b")),
    _rule(r"--bind_ip_all\b|\bprotected-mode\s+no\b|\bnetwork\.host\s*:\s*[\"']?0\.0\.0\.0|--address[= ]0\.0\.0\.0|"
          r"\btcp://(?:0\.0\.0\.0)?:2375\b", ("bind_ip_all", "protected-mode", "network.host", "--address", ":2375")),
    _rule(r"\b(?:expose|publish|open|make)\w*\b" + _within(60)
          + r"\b(?:to\s+the\s+(?:internet|world|public)|publicly|on\s+(?:a|the)\s+public\s+(?:ip|internet|url|"
            r"endpoint|load\s?balancer)|with\s+a\s+(?:public\s+)?load\s?balancer)\b", ("internet", "world", "public", "load"),
          _in_sentence(r"\b(?:admin|dashboard|grafana|kibana|jenkins|database|db|redis|postgres|mysql|mongo\w*|"
                       r"elastic\w*|internal|staging|debug|metrics|prometheus|rabbitmq|kubernetes|k8s|etcd|docker|"
                       r"ssh|rdp|port\s+\d+)\b")),
    # Host firewalls and security tooling switched off.
    _rule(r"\bufw\s+disable\b|\bsetenforce\s+0\b|\bSELINUX\s*=\s*(?:disabled|permissive)\b|"
          r"\biptables\s+(?:-t\s+\w+\s+)?-F\b|\biptables\s+-P\s+INPUT\s+ACCEPT\b|"
          r"\bnetsh\s+advfirewall\s+set\s+\w+\s+state\s+off\b|\bSet-MpPreference\s+-Disable\w+\s+\$?true\b", ("ufw", "setenforce", "selinux", "iptables", "netsh", "set-mppreference")),
    _rule(r"\bsystemctl\s+(?:stop|disable|mask)\s+(?:--now\s+)?(?:firewalld|ufw|iptables|nftables|apparmor|auditd|"
          r"falcon-sensor|crowdstrike|clamav\w*|wazuh\S*|osqueryd)\b", "systemctl"),
    _rule(r"\b(?:disable|turn\s+off|switch\s+off|stop|shut\s+off|deactivate|uninstall|remove|bypass)\w*\b"
          + _within(30) + r"\b(?:the\s+)?(?:firewall|selinux|apparmor|antivirus|anti-virus|defender|edr|crowdstrike|"
            r"waf|web\s+application\s+firewall|audit\s+logging|auditd|seccomp|endpoint\s+protection|"
            r"real-time\s+protection|malware\s+scanning)\b", ("firewall", "selinux", "apparmor", "virus", "defender", "edr", "crowdstrike", "waf", "audit", "seccomp", "endpoint", "real-time", "malware")),
    # TLS and signature verification switched off.
    _rule(r"\bverify\s*=\s*False\b|\bverify_?ssl[\"']?\s*[:=]\s*[\"']?(?:false|no|0)\b|"
          r"\bssl_?verify[\"']?\s*[:=]?\s*[\"']?(?:false|no|0)\b|\bstrict[-_]ssl[\"']?\s*[:=]?\s*[\"']?false\b", ("verify", "strict")),
    _rule(r"--insecure\b|--no-check-certificate\b|\binsecure[-_]skip[-_]tls[-_]verify\b|"
          r"\bcurl\b[^\n|;`]*?\s-[a-zA-Z]*k[a-zA-Z]*\b", ("insecure", "no-check-certificate", "curl")),
    _rule(r"\bNODE_TLS_REJECT_UNAUTHORIZED\s*=\s*[\"']?0|\brejectUnauthorized\s*:\s*false\b|"
          r"\bInsecureSkipVerify\s*:\s*true\b|\bvalidate_certs\s*[:=]\s*[\"']?(?:no|false)\b|\bCERT_NONE\b|"
          r"\bcheck_hostname\s*=\s*False\b|_create_unverified_context\b|\bPYTHONHTTPSVERIFY\s*=\s*0\b|"
          r"\bGIT_SSL_NO_VERIFY\s*=\s*(?:1|true)\b|\bStrictHostKeyChecking[= ]no\b", ("node_tls", "rejectunauthorized", "insecureskipverify", "validate_certs", "cert_none", "check_hostname", "_create_unverified_context", "pythonhttpsverify", "git_ssl_no_verify", "stricthostkeychecking")),
    _rule(r"\bsslmode\s*=\s*disable\b", "sslmode", _in_sentence(r".", unless=r"\blocalhost\b|\b127\.0\.0\.1\b")),
    _rule(r"\b(?:trust(?:s|ing)?|accept(?:s|ing)?)\s+all\s+cert\w*|\bTrustAll\w*", ("cert", "trustall")),
    _rule(r"\bverify_?signatures?[\"']?\s*[:=]\s*[\"']?(?:false|no|0)\b|"
          r"\b(?:skip|disable)[-_]?(?:tls|ssl|cert\w*|signature)[-_]?verif\w*[\"']?\s*[:=]\s*[\"']?(?:true|yes|1)\b", "verif"),
    _rule(r"\b(?:disable|skip|turn\s+off|ignore|bypass|switch\s+off)\w*\b" + _within(30)
          + r"\b(?:ssl|tls|https|cert(?:ificate)?s?|hostname|host\s?key|signature)\s+(?:verification|validation|"
            r"checks?|checking|errors?|warnings?)\b", ("ssl", "tls", "https", "cert", "hostname", "host", "signature")),
    # Authentication switched off.
    _rule(r"\b[\w.-]*?(?:auth|authentication|authorization|security|csrf|login)(?:[_.-]?(?:enabled|required|check|"
          r"enforced|on))?[\"']?\s*[:=]\s*[\"']?(?:false|no|off|none|disabled?|0)\b", ("auth", "security", "csrf", "login")),
    _rule(r"\b(?:disable|skip|no)[-_]?(?:auth\w*|security|csrf|login)[\"']?\s*[:=]\s*[\"']?(?:true|yes|1|on)\b|"
          r"--(?:disable|no|skip)-auth\w*\b|--auth(?:entication)?[= ](?:none|off|disabled?|false)\b", ("auth", "security", "csrf", "login")),
    _rule(r"\bAllowAny\b|@?\blogin_not_required\b", ("allowany", "login_not_required")),
    _rule(r"\b(?:disable|remove|comment(?:ing)?\s+out|turn\s+off|bypass|skip|switch\s+off)\w*\b" + _within(40)
          + r"\b(?:auth(?:entication|orization)?|login\s+(?:requirement|check)s?|csrf(?:\s+protection)?|"
            r"CsrfViewMiddleware|AuthenticationMiddleware|permission\s+checks?|access\s+checks?|"
            r"signature\s+(?:verification|checks?)|rbac|mfa|2fa|two[- ]factor|multi[- ]factor|"
            r"2-step\s+verification|sso)\b", ("auth", "login", "csrf", "permission", "access", "signature", "rbac", "mfa", "2fa", "factor", "2-step", "sso")),
    _rule(r"\b(?:allow|enable|turn\s+on|permit)\w*\b" + _within(30) + r"\banonymous\b|"
          r"\banonymous[_ -]?(?:access|read|enable|login|auth)\w*\s*[:=]\s*[\"']?(?:true|yes|1|on)\b", "anonymous"),
    _rule(r"\bPermitRootLogin\s+yes\b|\bPasswordAuthentication\s+yes\b|\bPermitEmptyPasswords\s+yes\b", ("permitrootlogin", "passwordauthentication", "permitemptypasswords")),
    _rule(r"\b(?:NotebookApp|ServerApp)\.(?:token|password)\s*=\s*(?:''|\"\")", ("notebookapp", "serverapp")),
    _rule(r"\bCORS_(?:ORIGIN_)?ALLOW_ALL(?:_ORIGINS)?\s*=\s*True\b|Access-Control-Allow-Origin:\s*\*", ("cors_", "access-control-allow-origin"),
          _near(r"credentials\s*[:=]\s*true|allow-credentials|withCredentials", 300)),
    # Debug pages on a server people can reach.
    _rule(r"\bDEBUG\s*[:=]\s*[\"']?True\b", "debug",
          lambda m, text: bool(_ALLOWED_ANY_HOST.search(text))
          or _in_sentence(r"\b(?:prod\w*|live|the\s+server|deployed|customers)\b", unless=_LOCAL)(m, text)),
    _rule(r"\bALLOWED_HOSTS\s*=\s*\[\s*[\"']\*[\"']\s*\]", "allowed_hosts",
          lambda m, text: bool(_DEBUG_ON.search(text)) or _in_sentence(_PROD)(m, text)),
))

EXPORT = Topic("Data export and personal data", (
    _rule(r"\b(?:pg_dump(?:all)?|mysqldump|mongodump|mongoexport)\b[^\n`]{0,120}", ("pg_dump", "mysqldump", "mongodump", "mongoexport"),
          lambda m, text: _data_dump(m, text), shown=lambda m: " ".join(m.group(0).split()[:6])),
    _rule(r"\\copy\s*\(?\s*select\b[^\n]*?\bto\b|\bcopy\s*\(\s*select\b[^\n]*?\bto\s+'|\binto\s+outfile\b", ("copy", "outfile"),
          _near(r"\b(?:e-?mail|phone|address|name|ssn|dob|birth|salary|users|customers|employees|patients|members|"
                r"accounts|people)\b", 160)),
    _rule(r"\b" + _EXPORT_VERB + r"\b" + _within(60) + r"(?<!\bto\s)(?<!\bfor\s)(?<!\bwith\s)(?<!\bby\s)\b"
          + _PERSONAL + r"['’]?\s+(?:\w+\s+){0,2}?" + _PERSONAL_DATA + r"\b", _PERSONAL_KEYS),
    _rule(r"\b" + _EXPORT_VERB + r"\b" + _within(40) + r"\b(?:all|every|the\s+full|full|the\s+entire|entire)\s+"
          r"(?:the\s+)?" + _PERSONAL + r"['’]?(?=\s*(?:$|[.,;:!?)\n`]|\s(?:and|to|into|from|with)\b))", _PERSONAL_KEYS),
    _rule(r"\b" + _EXPORT_VERB + r"\b" + _within(60) + r"\b" + _PII + r"\b", _PII_KEYS),
    _rule(r"\b(?:list|table|csv|spreadsheet|dump|export|copy)\s+of\s+(?:all\s+)?(?:the\s+|our\s+)?" + _PERSONAL
          + r"\b", ("list", "table", "csv", "spreadsheet", "dump", "export", "copy"), _in_sentence(r"\b" + _EXPORT_VERB + r"\b")),
    _rule(r"\b(?:to|into|onto|in|on|with|via)\s+(?:your\s+|my\s+|a\s+|the\s+)?(?:personal|private)\s+(?:google\s+)?"
          r"(?:drive|gmail|e-?mail|dropbox|laptop|account|device|phone|cloud|storage)\b|\bgmail\b|\bdropbox\b|"
          r"\bwetransfer\b|\bchatgpt\b|\busb\b|\bpastebin\b", ("personal", "private", "gmail", "dropbox", "wetransfer", "chatgpt", "usb", "pastebin"),
          _in_sentence(r"\b" + _PERSONAL + r"\b|\b" + _PII + r"\b")),
    _rule(r"\b(?:copy|clone|restore|load|mirror|replicate|sync|import|pull|dump|download|move|transfer)\w*\b"
          + _within(60) + r"\bprod(?:uction)?\b" + _within(40)
          + r"\b(?:data(?:base)?|db|dump|snapshot|backup|index|tables?|records|data\s?set)\b" + _within(80)
          + r"\b(?:to|into|onto|on|in)\s+(?:your\s+|my\s+|the\s+|a\s+)?(?:laptop|local|dev\w*|staging|test\w*|qa|"
            r"sandbox|personal|machine|desktop|home|vendor|partner|external|bucket)\b", "prod",
          _in_sentence(r".", unless=r"\b(?:anonymi[sz]\w*|masked|scrubbed|synthetic|saniti[sz]ed|pseudonymi[sz]\w*)")),
))

DESTRUCTIVE = Topic("Destructive or production-changing commands", (
    _rule(r"\brm\s+(?P<flags>(?:-{1,2}[\w-]+\s*)+)(?P<targets>[^\n;&|`<>)]*)", "rm", lambda m, text: _rm_risky(m),
          shown=lambda m: f"rm {' '.join(m.group('flags').split())} {_rm_targets(m)}".strip()),
    _rule(r"\bRemove-Item\b[^\n]*?-Recurse\b|\b(?:rd|rmdir)\s+/s\b|\bdel\s+(?:/\w\s+)*/s\b", ("remove-item", "/s")),
    _rule(r"\bfind\b[^\n|;`]*?\s(?:-delete\b|-exec\s+rm\b)|\bxargs\s+(?:-\S+\s+)*rm\b", ("-delete", "-exec", "xargs")),
    _rule(r"\bdrop\s+(?:table|database|schema|view|materialized\s+view|index|user|role|owned|column|collection|"
          r"keyspace|tablespace|function|trigger|extension|sequence|type|constraint|policy|publication|"
          r"subscription|server|domain|procedure)\b(?!\s+(?:in|is|on|at|or|and|statements?|commands?|operations?|"
          r"migrations?|permissions?|privileges?|rights|ddl)\b)", "drop"),
    _rule(r"\bdrop\s+the\s+[\w-]+\s+(?:table|database|schema|collection|index)\b", "drop"),
    _rule(r"\bdropdb\b|\bdropDatabase\(\)|\bdb\.\w+\.drop\(\)|\bdb:(?:drop|reset|purge|schema:load)\b|"
          r"\bmanage\.py\s+(?:flush|reset_db|sqlflush)\b|\bmigrate\s+\w+\s+zero\b", ("dropdb", "dropdatabase", ".drop()", "db:", "manage.py", "zero")),
    _rule(r"\btruncate\s+table\b|\btruncate\s+(?:only\s+)?(?!(?:the|a|an|it|to|this|that)\b)[a-z_][\w.]*\s*"
          r"(?:,\s*[\w.]+\s*)*(?:;|\s+(?:cascade|restart\s+identity|continue\s+identity)\b)", "truncate"),
    _rule(r"\bdelete\s+\*?\s*from\s+(?!(?:the|a|an|your|my|this|that|it|there|here|disk|memory|cache|history|list|"
          r"menu|sidebar)\b)[\w.\"`\[\]]+", "delete", lambda m, text: _unbounded(m, text)),
    _rule(r"\bupdate\s+(?!(?:the|a|an|your|my|this|that|it|to|on|with|from|in|of|all|every|each|now|later|and|or|"
          r"set)\b)[\w.\"`\[\]]+\s+set\b", "update", lambda m, text: _unbounded(m, text)),
    _rule(r"\.objects\.all\(\)\.(?:delete|update)\(|\.objects\.(?:delete|update)\(|"
          r"\.(?:deleteMany|remove|updateMany)\(\s*\{\s*\}", (".objects.", "deletemany", "remove(", "updatemany")),
    _rule(r"\bgit\s+push\b[^\n;&|`]*?(?:\s--force(?!-with-lease|-if-includes)\b|\s-[a-zA-Z]*f[a-zA-Z]*\b|"
          r"\s\+[\w./-]+|\s--mirror\b)", "push"),
    _rule(r"\bgit\s+push\b[^\n;&|`]*?\s--force-with-lease\b[^\n;&|`]*?\s(?:\S+/)?" + _SHARED_BRANCH + r"\b", "push"),
    _rule(r"\bgit\s+push\b[^\n;&|`]*?(?:\s--delete\s+|\s:)" + _SHARED_BRANCH + r"\b", "push"),
    _rule(r"\bgit\s+reset\s+--hard\b(?!\s+(?:origin|upstream|@\{u\}|FETCH_HEAD)\b)", "--hard",
          _in_sentence(r"\b(?:on|to)\s+(?:the\s+)?" + _SHARED_BRANCH + r"\b|\bpush\b")),
    _rule(r"\bkubectl\s+delete\s+(?:[^\n;&|`]*?\s)?(?:ns|namespaces?|pvc|pv|persistentvolumes?|"
          r"persistentvolumeclaims?|crds?|customresourcedefinitions?|nodes?|statefulsets?|sts)\b", "kubectl"),
    _rule(r"\bkubectl\s+delete\b[^\n;&|`]*?\s(?:--all\b|-A\b|--all-namespaces\b)", "kubectl"),
    _rule(r"\b(?:terraform|tofu|pulumi|cdk|cdktf)\s+destroy\b|\bterraform\s+apply\s+(?:\S+\s+)*-destroy\b", "destroy"),
    _rule(r"\b(?:aws|gcloud|az|gsutil|doctl|heroku|oci)\b[^\n;&|`]{0,80}?\s(?:delete|destroy|rm|rb|remove|terminate|"
          r"purge|delete-[\w-]+|terminate-[\w-]+|apps:destroy)\b", ("aws", "gcloud", "az", "gsutil", "doctl", "heroku", "oci")),
    _rule(r"--skip-final-snapshot\b|\bdeletion_?protection[\"']?\s*[:=]\s*[\"']?false\b|--no-deletion-protection\b|"
          r"\bprevent_destroy\s*=\s*false\b", ("final-snapshot", "deletion", "prevent_destroy")),
    _rule(r"\b(?:disable|turn\s+off|suspend|remove)\w*\b" + _within(30)
          + r"\b(?:deletion\s+protection|versioning|backups|point-in-time\s+recovery|pitr|object\s+lock)\b", ("deletion", "versioning", "backups", "point-in-time", "pitr", "object lock")),
    _rule(r"\b(?:curl|wget|fetch|iwr|irm|invoke-webrequest|invoke-restmethod)\b[^\n]*?\|\s*(?:sudo\s+(?:-\S+\s+)*)?"
          r"(?:env\s+\S+\s+)?(?:(?:ba|z|k|da|fi)?sh|python3?|perl|ruby|node|iex|invoke-expression)\b|"
          r"\b(?:ba)?sh\s+(?:-c\s+)?[\"']?(?:\$\(|<\()\s*(?:curl|wget)\b", ("curl", "wget", "fetch", "iwr", "irm", "invoke-")),
    _rule(r"\bdd\b[^\n]*?\bof=/dev/(?!null\b|zero\b|stdout\b)\w+|\bmkfs(?:\.\w+)?\s+\S+|\bwipefs\b|"
          r"\bshred\b[^\n]*?/dev/|\bformat\s+[a-z]:|\bclear-disk\b|>\s*/dev/(?:sd|nvme|xvd|hd)[a-z0-9]+\b", ("dd", "mkfs", "wipefs", "shred", "format", "clear-disk", "/dev/")),
    _rule(r"\bflush(?:all|db)\b", "flush"),
    _rule(r"\b(?:delete|remove|purge|wipe|erase|destroy|nuke|drop|clear)\w*\s+(?:all|every|each)\s+(?:of\s+)?"
          r"(?:the\s+)?(?:(?:old|existing|stale|prod|production)\s+)*(?:users?|accounts?|records|rows|data|tables|"
          r"backups?|snapshots?|audit\s+logs?|buckets?|objects|volumes?|databases?|indices|indexes|customers?|orders?|"
          r"versions|messages|repos|repositories|projects|namespaces|clusters|instances|keys|tenants|sessions)\b", ("all", "every", "each")),
    _rule(r"\b(?:wipe|nuke|purge|erase)\s+(?:the\s+|your\s+|our\s+)?(?:prod(?:uction)?\s+)?(?:database|db|disk|drive|"
          r"volume|cluster|bucket|server|data\s+directory)\b", ("wipe", "nuke", "purge", "erase")),
))

TOPICS = (ACCESS, CREDENTIALS, NETWORK, EXPORT, DESTRUCTIVE)


# --- Rule helpers -------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(
    r"change_?me|example|placeholder|your[-_]|^your|[-_]here$|xxx|\*{3}|\.\.\.|redacted|dummy|fake|test|sample|"
    r"^(?:secret|password|pass|token|none|null|true|false|empty|admin)$|^<|>$", FLAGS)
_REFERENCE = re.compile(r"^(?:\$|\{|%|<|os\.|env\b|getenv|settings\.|config\.|process\.env|self\.|request|form|"
                        r"vault:|secret:|ref\+|!)", FLAGS)
_DOTTED_NAME = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$")


def _literal_secret(match: re.Match) -> bool:
    """A secret-named setting given a literal value (not a reference to where the secret lives)."""
    value = match.group("quoted") or match.group("bare")
    if _REFERENCE.search(value) or _PLACEHOLDER.search(value):
        return False
    if match.group("bare") and ("(" in value or "[" in value or _DOTTED_NAME.match(value)):
        return False
    return True


_INGRESS = re.compile(r"\b(?:ingress|inbound|allow\w*|source|from|open\w*|firewall|security\s+group|sg|nsg|"
                      r"authori[sz]ed\s+networks|whitelist|allowlist|ports?|ssh|rdp|cidr|hba|host\s+all)\b|--cidr",
                      FLAGS)
_EGRESS = re.compile(r"\b(?:egress|outbound|route|routes|routing|nat|gateway|default\s+route)\b", FLAGS)
_STRICT_INGRESS = re.compile(r"\b(?:ingress|inbound)\b", FLAGS)


def _ingress(match: re.Match, text: str) -> bool:
    """0.0.0.0/0 as a source people may connect from, not the default egress route."""
    window = text[max(0, match.start() - 150):match.end() + 150]
    if not _INGRESS.search(window):
        return False
    return not _EGRESS.search(window) or bool(_STRICT_INGRESS.search(window))


_ALLOWED_ANY_HOST = re.compile(r"\bALLOWED_HOSTS\s*=\s*\[\s*[\"']\*[\"']\s*\]", FLAGS)
_DEBUG_ON = re.compile(r"\bDEBUG\s*[:=]\s*[\"']?True\b", FLAGS)
_SCHEMA_ONLY = re.compile(r"--schema-only|--no-data|\s-s\b|\s-d\b", FLAGS)
_DUMP_DESTINATION = re.compile(
    r"~/|\bdownloads\b|\blaptop\b|\byour\s+machine\b|\blocal\s+(?:machine|postgres|mysql|db|database)\b|\bscp\b|"
    r"\bdesktop\b|\busb\b|\bpersonal\b|\bgmail\b|\bdropbox\b|\bdrive\b|\be-?mail\b|\battach\w*\b|\bvendor\b|"
    r"\bpartner\b|\bticket\b|\bslack\b|\bshare\w*\b", FLAGS)
_PROD_RE = re.compile(_PROD, FLAGS)


def _data_dump(match: re.Match, text: str) -> bool:
    """A data dump of production, or one headed for a laptop, a ticket or another person."""
    command = match.group(0)
    if _SCHEMA_ONLY.search(command):
        return False
    sentence = _sentence_around(text, match.start(), match.end())
    return bool(_PROD_RE.search(command) or _PROD_RE.search(sentence) or _DUMP_DESTINATION.search(sentence))


_RM_STOP = re.compile(r"\s(?:and|then|if|or|to|so|before|after|because|when|again|first|afterwards|once|on|in|"
                      r"inside|from|with)\b|[,.](?:\s|$)", FLAGS)
_RM_SAFE = re.compile(
    r"(?:\./|(?:\.\./)+)?(?:[\w.-]+/)*(?:node_modules|dist|build|out|target|\.next|\.nuxt|\.turbo|\.parcel-cache|"
    r"\.angular|\.svelte-kit|__pycache__|\.pytest_cache|\.mypy_cache|\.ruff_cache|\.hypothesis|\.tox|\.nox|\.venv|"
    r"venv|\.eggs|[\w.-]*\.egg-info|htmlcov|\.coverage|coverage|\.gradle|\.terraform|bower_components|\.sass-cache|"
    r"_build|\.cache|tmp|\.tmp)/?\*?"
    r"|~/\.(?:cache|npm|m2|gradle|yarn|pnpm-store|cargo/registry)(?:/[\w.-]+)*/?"
    r"|(?:/tmp|/var/tmp|\$TMPDIR)/[\w.-]+/?", FLAGS)


def _rm_targets(match: re.Match) -> str:
    targets = match.group("targets")
    stop = _RM_STOP.search(targets)
    return (targets[:stop.start()] if stop else targets).strip()


def _rm_risky(match: re.Match) -> bool:
    """A recursive rm, unless everything it removes is a build artefact or cache that is rebuilt."""
    flags = match.group("flags")
    if not re.search(r"(?:^|\s)-[a-zA-Z]*[rR]|--recursive", flags):
        return False
    targets = _rm_targets(match).split()
    return not targets or not all(_RM_SAFE.fullmatch(t.strip("\"'")) for t in targets)


_STATEMENT_END = re.compile(r";|\n\s*\n|`|[.!?](?:\s|$)")
_WHERE = re.compile(r"\bwhere\b", FLAGS)
_TAUTOLOGY = re.compile(
    r"\bwhere\s+\(?\s*(?:1\s*=\s*1|true\b|1\b(?!\s*[=<>])|'(\w*)'\s*=\s*'\1'|([a-z_]\w*)\s*=\s*\2\b|"
    r"[\w.]+\s+is\s+not\s+null\b(?!\s+and)|not\s+false\b|1\s*<>\s*0|0\s*=\s*0|id\s*>\s*0\b)", FLAGS)


def _unbounded(match: re.Match, text: str) -> bool:
    """An SQL DELETE/UPDATE with no WHERE, or a WHERE that is always true."""
    end = _STATEMENT_END.search(text, match.end())
    statement = text[match.start():end.start() if end else len(text)]
    return not _WHERE.search(statement) or bool(_TAUTOLOGY.search(statement))


# --- Negation: warnings and incident reports quote risky commands --------------------------------

_CLAUSE_START = re.compile(r"[.!?;:](?:\s|$)|\n|,|\b(?:but|however|just|simply|then|so)\b", FLAGS)
_NEGATION = re.compile(
    r"\b(?:never|don'?t|do\s+not|does\s+not|doesn'?t|must\s+not|mustn'?t|should\s+not|shouldn'?t|cannot|can'?t|"
    r"won'?t|avoid\w*|instead\s+of|rather\s+than|not\s+to|no\s+need\s+to|stop|refrain\s+from|prohibit\w*|forbid\w*|"
    r"(?:is|are)(?:\s+not|n'?t)\s+allowed|nobody|no\s+one|we\s+don'?t|not\s+use|not\s+run|"
    r"caused\s+by|accidentally|by\s+(?:mistake|accident)|post-?mortem|root\s+cause|"
    r"(?:someone|somebody|an\s+engineer|a\s+colleague|a\s+contractor)\s+(?:had\s+)?(?:ran|running|typed|executed|"
    r"pushed|granted|shared|exported|set|deleted|dropped|opened|disabled|committed|pasted|used))\b", FLAGS)
_NOT_A_NEGATION = re.compile(r"\b(?:hesitate|worry|forget|wait|afraid|fear|mind|bother|panic|problem|issue)\b", FLAGS)
_NEGATION_INSIDE = re.compile(r"\b(?:never|not|n't|cannot)\b", FLAGS)
_PROHIBITED_AFTER = re.compile(
    r"^[`'\"]?\s*(?:\w+\s+){0,3}?(?:is|are|was|would\s+be)\s+(?:(?:never|not|no\s+longer)\s+(?:acceptable|allowed|ok|"
    r"okay|permitted|safe|an\s+option|the\s+(?:answer|fix|solution|way)|needed|necessary|required|supported)|"
    r"forbidden|prohibited|banned|blocked|rejected|refused|denied|disallowed|a\s+bad\s+idea|dangerous|insecure|"
    r"discouraged)\b", FLAGS)


def _negated(text: str, start: int, end: int, inside: bool) -> bool:
    """Whether the clause around a match tells the reader not to do it, or recounts that someone did."""
    before = text[max(0, start - 160):start]
    clause = before[max((m.end() for m in _CLAUSE_START.finditer(before)), default=0):]
    cues = list(_NEGATION.finditer(clause))
    if cues and not _NOT_A_NEGATION.search(clause, cues[-1].end()) and len(clause[cues[-1].end():].split()) <= 10:
        return True
    if inside and _NEGATION_INSIDE.search(text, start, end):
        return True
    return bool(_PROHIBITED_AFTER.search(text[end:end + 120]))


# --- Classification -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Assessment:
    level: str  # "low" or "high", the values of AIAnswer.Risk
    reasons: list[str]


_SHOWN_MAX = 60


def _shown(rule: Rule, match: re.Match) -> str:
    shown = rule.shown(match) if rule.shown else match.group(0)
    shown = " ".join(shown.replace("`", " ").split())
    return shown if len(shown) <= _SHOWN_MAX else shown[:_SHOWN_MAX - 1].rstrip() + "…"


def _first_hit(rule: Rule, text: str, lowered: str) -> str | None:
    if not any(needed in lowered for needed in rule.needs):
        return None
    for match in rule.pattern.finditer(text):
        if rule.accept and not rule.accept(match, text):
            continue
        if rule.negatable and _negated(text, match.start(), match.end(), rule.negatable_inside):
            continue
        return _shown(rule, match)
    return None


@lru_cache(maxsize=512)
def hits(text: str) -> tuple[tuple[str, str], ...]:
    """(topic, what matched as the reader sees it) for every rule ``text`` sets off, in topic order.

    Cached: a source passage is classified again at every edit of the draft that drew on it.
    """
    found = []
    forms = [(form, form.lower()) for form in reader_forms(text)]
    for topic in TOPICS:
        for rule in topic.rules:
            for form, lowered in forms:
                shown = _first_hit(rule, form, lowered)
                if shown:
                    found.append((topic.name, shown))
                    break
    return tuple(found)


def classify(*texts: str, question: str | None = None, sources: Iterable[str] = ()) -> Assessment:
    """Assess an AI answer for high-risk advice.

    ``texts`` are the draft (and, for older callers, the question) as given; ``question`` and
    ``sources`` (every passage the draft drew on, in citation order) are classified the same way,
    and a reason says where a match came from when it was not the draft ("in source 2").
    """
    labelled = [(text, "") for text in texts]
    if question:
        labelled.append((question, "the question"))
    labelled += [(source, f"source {n}") for n, source in enumerate(sources, start=1)]

    by_topic: dict[str, list[str]] = {}
    seen = set()
    for text, where in labelled:
        if not text:
            continue
        for topic, shown in hits(text):
            if (topic, shown.casefold()) in seen:
                continue
            seen.add((topic, shown.casefold()))
            by_topic.setdefault(topic, []).append(f"“{shown}”" + (f" in {where}" if where else ""))
    reasons = [f"{topic.name} (mentions {', '.join(by_topic[topic.name][:3])})"
               for topic in TOPICS if topic.name in by_topic]
    return Assessment("high" if reasons else "low", reasons)
