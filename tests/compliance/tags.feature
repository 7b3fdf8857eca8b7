Feature: Everything is tagged
  The module tags every resource that supports tags with the fleet's name.

  Scenario: Taggable resources carry tags
    Given I have resource that supports tags defined
    Then it must contain tags
    And its value must not be null

  Scenario: Resources carry the fleet tag
    Given I have resource that supports tags defined
    Then it must contain tags_all
    And it must contain fleet-autoscaler:fleet
