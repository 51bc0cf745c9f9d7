"""The errors a user can fix. Each carries the exit code of the contract and one line naming cause and fix."""


class UserError(Exception):
    """A problem the user can fix; printed as one line on stderr, never as a stack trace."""

    exit_code = 1


class UsageError(UserError):
    """A wrong command, option or config value (exit 2)."""

    exit_code = 2


class KafkaUnavailable(UserError):
    """Kafka unreachable or authentication refused (exit 3)."""

    exit_code = 3


class DatabaseUnavailable(UserError):
    """The views' database unreachable or refusing our credentials (exit 3, like Kafka)."""

    exit_code = 3
