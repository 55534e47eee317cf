import HubdoctorKit
print("hubdoctor")
