"""The experience loop, for donors, volunteers and clients alike: surveys at touchpoints, service
recovery when someone is let down, journeys with the stage each person is at, keep-in-touch steps
and the insight into what separates the satisfied from the rest.

The core owns the machinery; feature apps plug their touchpoints, journeys and case owners into
``stakeholders.experience.registry`` (the core never imports them)."""
