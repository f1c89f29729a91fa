"""API of the volunteers app: profiles, opportunities (and their versions in other languages),
shifts, assignments, hours, trainings, skills, causes, milestones and the volunteer settings.
Writes go through the services (the same checks as the pages: overlaps, places, trainings);
admins and volunteer coordinators write, viewers read, and the settings are the coordinators'."""

from rest_framework.routers import SimpleRouter

from volunteers.api.catalogue import CauseViewSet, MilestoneViewSet, SkillViewSet
from volunteers.api.profiles import ProfileViewSet
from volunteers.api.settings import VolunteerSettingsViewSet
from volunteers.api.work import (
    AssignmentViewSet,
    HoursViewSet,
    OpportunityViewSet,
    ShiftSeriesViewSet,
    ShiftViewSet,
    TrainingRecordViewSet,
    TrainingViewSet,
)

router = SimpleRouter()
router.register("volunteer-profiles", ProfileViewSet, basename="volunteer-profile")
router.register("opportunities", OpportunityViewSet, basename="opportunity")
router.register("shifts", ShiftViewSet, basename="shift")
router.register("shift-series", ShiftSeriesViewSet, basename="shift-series")
router.register("assignments", AssignmentViewSet, basename="assignment")
router.register("volunteer-hours", HoursViewSet, basename="volunteer-hours")
router.register("trainings", TrainingViewSet, basename="training")
router.register("training-records", TrainingRecordViewSet, basename="training-record")
router.register("skills", SkillViewSet, basename="skill")
router.register("causes", CauseViewSet, basename="cause")
router.register("volunteer-milestones", MilestoneViewSet, basename="volunteer-milestone")
router.register("volunteer-settings", VolunteerSettingsViewSet, basename="volunteer-settings")
