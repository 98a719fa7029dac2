import DLCDriver
print("dlc")
