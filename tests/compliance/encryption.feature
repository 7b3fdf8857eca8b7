Feature: Customer managed keys rotate

  Scenario: KMS keys rotate
    Given I have aws_kms_key defined
    Then it must contain enable_key_rotation
    And its value must be true
