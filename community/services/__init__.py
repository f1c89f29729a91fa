"""The community's writes, by topic (as pretix's ``base/services/``): ``members`` (joining,
signing in, following), ``questions`` (asking, answering, voting, accepting), ``moderation``
(holds, reports, the moderators' actions), ``ideas``, ``notices``, ``sessions`` (expert hours),
``promotion`` (answers into help-centre articles), ``trends``."""
