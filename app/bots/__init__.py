"""Telegram and Discord front ends: separate processes that ask the service over HTTP."""
