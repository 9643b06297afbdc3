"""Access reviews (domain): which decisions are in scope (``scope``), the insights per decision
(``insights``, ``affiliation``), the deterministic recommendation (``scoring``: the table lives there and in
the README), the offline justification (``justify``) and the suggestions they become (``recommendations``)."""
