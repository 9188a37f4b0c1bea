"""Options of the job scripts: a value after its word (`--t-sim 1000`), a switch
(`--local`), or a repeatable value (`--set k=v`, also `--set=k=v`). Options win over
the environment variables (MC_...), and those over the defaults."""
from pd14jobs.errors import JobError

VALUE, SWITCH, REPEATED = "value", "switch", "repeated"


class Option:
    """The word NAME sets DEST: to the next word (VALUE; EMPTY_OK: may be ""), to
    CONSTANT (SWITCH), or appends the next word to a list (REPEATED)."""

    def __init__(self, name, dest, kind=VALUE, constant=None, empty_ok=False):
        self.name, self.dest, self.kind = name, dest, kind
        self.constant, self.empty_ok = constant, empty_ok


class Setting:
    """DEST's default: the environment variable ENV if set and not empty, else DEFAULT
    (a list of words for a repeated option: the variable's words)."""

    def __init__(self, dest, env, default):
        self.dest, self.env, self.default = dest, env, default


def defaults(settings, env):
    values = {}
    for s in settings:
        text = env.get(s.env, "") if s.env else ""
        if isinstance(s.default, list):
            values[s.dest] = text.split() if text else list(s.default)
        else:
            values[s.dest] = text if text else s.default
    return values


def parse(argv, options, values):
    """VALUES updated from ARGV; returns True when help was asked for (the rest is
    then not read, as in the scripts)."""
    by_name = {o.name: o for o in options}
    i = 0
    while i < len(argv):
        word = argv[i]
        if word in ("-h", "--help"):
            return True
        name, eq, inline = word.partition("=")
        option = by_name.get(name if eq else word)
        if option is None or (eq and option.kind != REPEATED):
            raise JobError("unknown option '%s' (see --help)" % word)
        if option.kind == SWITCH:
            values[option.dest] = option.constant
            i += 1
            continue
        if eq:
            value = inline
        elif i + 1 < len(argv):
            value = argv[i + 1]
            i += 1
        else:
            raise JobError("option %s needs a value (see --help)" % word)
        if value == "" and not option.empty_ok:
            raise JobError("option %s needs a value, got an empty one" % name)
        if option.kind == REPEATED:
            values[option.dest] = values[option.dest] + [value]
        else:
            values[option.dest] = value
        i += 1
    return False


def positive_int(text, what):
    """TEXT as a count > 0 (digits only, as the scripts accept them)."""
    text = str(text)
    if not text.isdigit() or int(text) == 0:
        raise JobError("%s must be a positive integer, got '%s'" % (what, text))
    return int(text)


def number(text, what, unit=""):
    """TEXT as a non-negative number (digits, one optional decimal point); an int when
    it has no point, so that it reads back as given."""
    text = str(text)
    whole, dot, frac = text.partition(".")
    if not whole.isdigit() or not (frac.isdigit() or frac == ""):
        raise JobError("%s must be a number%s, got '%s'" % (what, unit, text))
    return float(text) if dot else int(text)
