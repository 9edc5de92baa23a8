// PeapodSpec
