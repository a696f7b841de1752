"""Errors a user can act on. Each carries the exit code the CLI returns."""

from __future__ import annotations


class MunigraphError(Exception):
    """A problem with the user's input or environment, reported in one line."""

    exit_code = 1


class DataSyntaxError(MunigraphError):
    """A data file does not parse: the message is `file:line:column: what was expected`."""

    exit_code = 2


class ValidationFailed(MunigraphError):
    """The graph violates a SHACL shape; the build keeps the previous store."""

    exit_code = 1


class ParameterError(MunigraphError):
    """A named-query parameter is missing, malformed, unknown or ambiguous."""

    exit_code = 2


class UnknownQuery(MunigraphError):
    exit_code = 2


class RefusedQuery(MunigraphError):
    """A query would reach the network (SERVICE, LOAD, remote FROM) and that was not allowed."""

    exit_code = 2


class StoreMissing(MunigraphError):
    exit_code = 3
