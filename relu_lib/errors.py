"""The one exception type a user ever sees: a clear message, never a traceback."""


class UserError(Exception):
    """Bad input (config, file, argument). The message names the key, file or value."""
