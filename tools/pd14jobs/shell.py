"""Results for the job scripts as bash statements, which they `eval`."""
import shlex


def quote(value):
    return shlex.quote(str(value))


def assign(name, value):
    return "%s=%s" % (name, quote(value))


def export(name, value):
    return "export " + assign(name, value)


def array(name, values):
    return "%s=(%s)" % (name, " ".join(quote(v) for v in values))


def command_line(words):
    """A command as one line that bash reads back as the same words."""
    return " ".join(quote(w) for w in words)
