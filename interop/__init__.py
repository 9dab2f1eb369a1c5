"""Interchange with other systems: FHIR intake import, Da Vinci PAS export, X12 835 import.

The modules here are pure cores: plain frozen dataclasses in and out, no ORM and no settings.
The only project import is intake.validators (the bottom layer). docs/interop.md says what
each format maps and what it leaves out.
"""
