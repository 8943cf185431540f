"""Risk classification of AI answers: which advice needs a security reviewer's second approval.

Rules are explicit patterns grouped by topic; an answer (and the question it answers) matching any
rule is high risk, with one human-readable reason per topic naming what matched. Being wrong on the
cautious side costs one extra review; being wrong the other way is the incident Vetted exists to
prevent, so patterns lean broad.
"""
import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Topic:
    name: str
    patterns: tuple[str, ...]
    compiled: tuple[re.Pattern, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "compiled", tuple(re.compile(p, re.IGNORECASE) for p in self.patterns))


TOPICS = (
    Topic("Access control and permissions", (
        r"\bchmod\s+(-R\s+)?[0-7]*7[0-7]?\b", r"\bchmod\s+-R\b", r"\bchown\s+-R\b", r"\bsetfacl\b", r"\bsudoers?\b",
        r"\bgrant\s+(all|select|insert|update|delete|usage)\b", r"\brevoke\b", r"\bcluster-?admin\b",
        r"\b(cluster)?rolebinding\b", r"\biam\s+(policy|role)\b", r"\"principal\"\s*:\s*\"\*\"",
        r"\bpublic[- ]read\b", r"\bmake\s+(it|the\s+\w+)\s+public\b", r"\b(acl|acls|rbac)\b",
        r"\b(permissions?|privileges?)\b", r"\baccess\s+control\b", r"\bsuperuser\b", r"\badmin\s+rights\b",
        r"\bdisable\s+(auth|authentication|2fa|mfa)\b",
    )),
    Topic("Credentials and secrets", (
        r"\bpasswords?\b", r"\bpasswd\b", r"\bsecrets?\b", r"\bapi[_ -]?keys?\b",
        r"\b(access|auth|bearer)[_ -]?tokens?\b",
        r"\bprivate[_ -]?keys?\b", r"\bssh-keygen\b", r"\bid_rsa\b", r"\.pem\b", r"\bcredentials?\b",
        r"\b[A-Z0-9_]*(SECRET|TOKEN|PASSWORD|API_KEY)[A-Z0-9_]*\s*=", r"\bkeychain\b", r"\bvault\b",
    )),
    Topic("Network exposure", (
        r"\bfirewall\b", r"\biptables\b", r"\bnftables\b", r"\bufw\s+(allow|disable)\b", r"\bsecurity[_ -]groups?\b",
        r"\b0\.0\.0\.0(/0)?\b", r"::/0", r"\bopen\s+(the\s+)?port\b", r"\bport[- ]forward", r"\bexpose\b",
        r"\bingress\b", r"\bpublic\s+ip\b", r"verify\s*=\s*false", r"\b(disable|skip)\s+(tls|ssl)\b",
        r"--insecure\b", r"\bvpn\b",
    )),
    Topic("Data export and personal data", (
        r"\bpg_dump(all)?\b", r"\bmysqldump\b", r"\bexport\s+(the\s+)?(data|table|database|users|customers)\b",
        r"\bdata\s+export\b", r"\bpii\b", r"\bpersonal\s+data\b", r"\bgdpr\b", r"\bcustomer\s+data\b",
        r"\bcopy\s+.*\s+to\s+s3\b", r"\b(share|send)\s+.*\s+externally\b", r"\bssn\b", r"\bsocial\s+security\b",
        r"\bdump\s+(the\s+)?(database|db|table)\b",
    )),
    Topic("Destructive or production-changing commands", (
        r"\brm\s+-(r|f|rf|fr)\b", r"\bdrop\s+(table|database|schema|index)\b", r"\btruncate\b",
        r"\bdelete\s+from\b(?![^;]*\bwhere\b)", r"\bgit\s+push\s+(-f|--force)", r"\bgit\s+reset\s+--hard\b",
        r"\bkubectl\s+(delete|drain|scale)\b", r"\bterraform\s+(destroy|apply)\b", r"\bmkfs\b", r"\bdd\s+if=",
        r"\b(shutdown|reboot)\b", r"\bin\s+production\b", r"\bon\s+prod(uction)?\b", r"--force\b",
        r"\bflushall\b", r"\bdropdb\b", r"\bdocker\s+system\s+prune\b",
    )),
)


@dataclass(frozen=True)
class Assessment:
    level: str  # "low" or "high", the values of AIAnswer.Risk
    reasons: list[str]


def classify(*texts: str) -> Assessment:
    """Assess the answer text (and the question it answers) for high-risk advice."""
    reasons = []
    joined = "\n".join(t for t in texts if t)
    for topic in TOPICS:
        hits = []
        for pattern in topic.compiled:
            match = pattern.search(joined)
            if match:
                hits.append(match.group(0).strip())
        if hits:
            shown = ", ".join(f"“{h}”" for h in dict.fromkeys(hits[:3]))
            reasons.append(f"{topic.name} (mentions {shown})")
    return Assessment("high" if reasons else "low", reasons)
