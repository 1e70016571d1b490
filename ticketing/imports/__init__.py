"""Imports and exports of enterprises, universities, users and problems (.xlsx and .csv)."""
