"""Open challenges (揭榜挂帅): a submitted problem published to every partner university,
their proposals, and the pick that routes and assigns the ticket in one step.

Design: a challenge is an entity beside the ticket, not new states of it. While a challenge
is open the ticket stays `submitted` (its route time target keeps running, and withdrawing
the challenge simply leaves it to normal routing); proposals live in their own table. The
pick is one row of the transition table (`award`: submitted → expert_assigned, admin, given
a proposal), performed through tickets/transitions.perform() like every other change, so the
history event, the time target, the dashboard's tallies (the ticket gains its university and
expert, routed_at and expert_assigned_at at once) and the notifications all follow. The row
is marked `beside`: it is taken from the challenge page only, never offered among the ticket
page's action forms, and test and demo paths (workflow.path_to) do not use it.

A confidential ticket may be published, but only as "保密问题": every page beyond the admins
reads the ticket through permissions.public_tickets(), which masks number, title,
description and enterprise in the database and keeps category and park. The mask follows
the ticket's mark when the page is read (no copy of the flag is stored with the challenge),
so marking a ticket confidential after it was published hides it at once.
"""
